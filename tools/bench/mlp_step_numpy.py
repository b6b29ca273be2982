"""One inner training step of N independent MLPs in numpy (OpenBLAS), the reference for
`npx pes bench inner-step --compare-numpy`: forward, softmax cross-entropy, backward and a
momentum-SGD update, each network on its own copy of the weights, as @pes's MLP task does.
Prints one JSON line: {"particles": N, "ms": [...]} with one timing per repeat."""
import argparse
import json
import time

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--particles", type=int, required=True)
parser.add_argument("--arch", default="784-100-100-10")
parser.add_argument("--batch", type=int, default=100)
parser.add_argument("--repeats", type=int, default=5)
args = parser.parse_args()

sizes = [int(s) for s in args.arch.split("-")]
rng = np.random.default_rng(0)
nets = [
    [(rng.standard_normal((a, b), dtype=np.float32) * np.float32(np.sqrt(2 / a)), np.zeros(b, np.float32)) for a, b in zip(sizes, sizes[1:])]
    for _ in range(args.particles)
]
velocity = [[(np.zeros_like(w), np.zeros_like(b)) for w, b in net] for net in nets]
x = rng.standard_normal((args.batch, sizes[0]), dtype=np.float32)
y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], args.batch)]


def step(net, vel, lr=np.float32(0.01), beta=np.float32(0.9)):
    acts = [x]
    for i, (w, b) in enumerate(net):
        z = acts[-1] @ w + b
        acts.append(np.maximum(z, 0) if i < len(net) - 1 else z)
    logits = acts[-1]
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    delta = (p - y) / args.batch
    for i in range(len(net) - 1, -1, -1):
        w, b = net[i]
        gw = acts[i].T @ delta
        gb = delta.sum(0)
        if i > 0:
            delta = (delta @ w.T) * (acts[i] > 0)
        vw, vb = vel[i]
        vw *= beta
        vw += gw
        vb *= beta
        vb += gb
        w -= lr * vw
        b -= lr * vb


for net, vel in zip(nets, velocity):  # warm-up
    step(net, vel)
times = []
for _ in range(args.repeats):
    started = time.perf_counter()
    for net, vel in zip(nets, velocity):
        step(net, vel)
    times.append((time.perf_counter() - started) * 1000)
print(json.dumps({"particles": args.particles, "ms": times}))
