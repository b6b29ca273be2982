"""The tabular problem of `pes experiment tune-comparison`: the Wisconsin breast-cancer data
(569 tumours, 30 real-valued features, benign or malignant), as scikit-learn ships it, split
400 / 169 with a fixed seed and standardised with the training split's mean and deviation.
Writes train.csv and validation.csv (a header row, the features, then `diagnosis`: 0 malignant,
1 benign) into --out."""
import argparse
import os

import numpy as np
from sklearn.datasets import load_breast_cancer

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
args = parser.parse_args()

data = load_breast_cancer()
order = np.random.default_rng(0).permutation(len(data.target))
train, validation = order[:400], order[400:]
mean = data.data[train].mean(0)
std = data.data[train].std(0)
os.makedirs(args.out, exist_ok=True)
names = [n.replace(" ", "_") for n in data.feature_names]
for name, rows in (("train", train), ("validation", validation)):
    x = (data.data[rows] - mean) / std
    with open(os.path.join(args.out, f"{name}.csv"), "w") as f:
        f.write(",".join(names + ["diagnosis"]) + "\n")
        for features, label in zip(x, data.target[rows]):
            f.write(",".join(f"{v:.6f}" for v in features) + f",{label}\n")
print(f"{len(train)} train and {len(validation)} validation records in {args.out}")
