"""The paper's PES run on influence balancing, vectorised in numpy, for comparison with
`npx pes bench influence-balancing --compare-numpy`. Same loop as @pes: antithetic pairs,
persistent states, accumulated perturbations, K = 1, SGD. Prints one JSON line."""
import argparse
import json
import time

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--particles", type=int, default=1000)
parser.add_argument("--iterations", type=int, default=3000)
parser.add_argument("--sigma", type=float, default=0.1)
parser.add_argument("--lr", type=float, default=1e-4)
parser.add_argument("--seed", type=int, default=3)
args = parser.parse_args()

n = 23
signs = np.array([1.0] * 10 + [-1.0] * 13)
rng = np.random.default_rng(args.seed)
started = time.perf_counter()
theta = 0.5
s = np.ones((args.particles, n))
xi = np.zeros(args.particles)
half = args.particles // 2
for _ in range(args.iterations):
    z = rng.standard_normal(half)
    eps = np.empty(args.particles)
    eps[0::2] = args.sigma * z
    eps[1::2] = -args.sigma * z
    thetas = theta + eps
    # s_i <- 0.5 s_i + 0.5 s_{i+1} + theta sign_i
    shifted = np.zeros_like(s)
    shifted[:, :-1] = s[:, 1:]
    s = 0.5 * s + 0.5 * shifted + thetas[:, None] * signs[None, :]
    losses = 0.5 * (s[:, 0] - 1.0) ** 2
    xi = xi + eps
    grad = np.sum(losses * xi) / (args.particles * args.sigma**2)
    theta -= args.lr * grad
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "theta": theta, "particleSteps": args.particles * args.iterations}))
