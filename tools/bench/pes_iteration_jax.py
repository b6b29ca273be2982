#!/usr/bin/env python3
"""One outer iteration of @pes's `meta-train --task mnist-lr-schedule` (estimator pes), in JAX.

A reference for timing comparisons, written the way the PES paper's own code is (Vicol, Metz,
Sohl-Dickstein 2021; learned_optimization): one jit-compiled function, particles under vmap,
the K inner steps under lax.scan. It does the work @pes does per iteration, not with the same
random numbers:

  ε_i = σ z, antithetic pairs (particle 2i+1 gets −ε of 2i)          es-family.ts, pes-gradient.ts
  each particle K momentum-SGD steps of its MLP with lr(θ + ε_i, t_i)  image-classification.ts
    lr(θ, t) = exp(θ0) / (1 + t/5000)^exp(θ1), v ← 0.9 v + g, w ← w − lr v   schedules.ts, tensor-optimizers.ts
    per-step loss = softmax cross-entropy of the minibatch stepped on (objective train-loss)
    a particle whose episode reaches T steps is re-initialised after that step (one fresh
    network per step, shared by the particles that ended at it) and its counter restarts
  ĝ = 1/(N σ²) Σ_i [L_i^old (ξ_i + ε_i) + L_i^new ε_i]                 perturbationGradient
    (L^old: losses up to and including the step the running episode ended at; L^new: after)
  ξ_i ← ξ_i + ε_i; ε_i if its episode ended inside the unroll; 0 if it ended on the last step
  a pair with a non-finite loss is left out and restarted; a non-finite ĝ skips the update
  θ ← θ − Adam(lr 0.01, β 0.9/0.999, ε 1e-8)(ĝ)                        transforms.ts, meta-trainer.ts

Not part of an iteration: @pes's evaluation of θ every `evalEvery` iterations (a full T-step
run), checkpoints and logging.

Every particle steps on the same minibatch at a given step, as @pes does (common random
numbers, image-classification.ts); `--per-particle-batches` gives each particle its own.

Set up: python3 -m venv ~/.cache/pes/jax-venv && ~/.cache/pes/jax-venv/bin/pip install -r tools/bench/requirements.txt
Usage (threads are fixed before jax is imported):
  ~/.cache/pes/jax-venv/bin/python tools/bench/pes_iteration_jax.py --threads 1
  ~/.cache/pes/jax-venv/bin/python tools/bench/pes_iteration_jax.py --check
"""

import argparse
import json
import os
import sys
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--particles", type=int, default=8, help="N, even (antithetic pairs)")
    p.add_argument("--unroll", type=int, default=10, help="K inner steps per iteration")
    p.add_argument("--arch", default="784-100-100-10", help="layer sizes")
    p.add_argument("--batch", type=int, default=100, help="minibatch size")
    p.add_argument("--iterations", type=int, default=20, help="timed iterations per repeat")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats")
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads for XLA (default: all this process may use)")
    p.add_argument("--horizon", type=int, default=5000, help="T inner steps per episode")
    p.add_argument("--sigma", type=float, default=0.1, help="σ of the perturbations")
    p.add_argument("--outer-lr", type=float, default=0.01, help="Adam's learning rate")
    p.add_argument("--records", type=int, default=10000, help="random training records")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--per-particle-batches", action="store_true",
                   help="each particle its own minibatch (@pes: one minibatch for all)")
    p.add_argument("--check", action="store_true",
                   help="sanity checks instead of timings: finite losses, θ moves, ĝ's sign")
    a = p.parse_args(argv)
    if a.particles < 2 or a.particles % 2:
        p.error("--particles must be even (antithetic pairs)")
    if a.threads is not None and a.threads < 1:
        p.error("--threads must be at least 1")
    return a


def restrict_threads(threads):
    """Before jax is imported: pin this process to `threads` cores and, for one thread, keep
    XLA's Eigen off its thread pool. XLA sizes its CPU thread pools from the cores the process
    may run on (sched_getaffinity), so the affinity is what bounds it."""
    if threads is None:
        return sorted(os.sched_getaffinity(0))
    cpus = sorted(os.sched_getaffinity(0))
    if threads > len(cpus):
        sys.exit(f"--threads {threads}: only {len(cpus)} cores available")
    os.sched_setaffinity(0, cpus[:threads])
    flags = os.environ.get("XLA_FLAGS", "")
    if threads == 1 and "xla_cpu_multi_thread_eigen" not in flags:
        flags = (flags + " --xla_cpu_multi_thread_eigen=false").strip()
    os.environ["XLA_FLAGS"] = flags
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    return cpus[:threads]


ARGS = parse_args() if __name__ == "__main__" else None
CPUS = restrict_threads(ARGS.threads) if ARGS else None

import jax  # noqa: E402  (after the thread settings)
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

INNER_MOMENTUM = 0.9  # lr-schedule-task.ts
DECAY_STEPS = 5000.0  # schedules.ts: inverse-time decay
ADAM_B1, ADAM_B2, ADAM_EPS = 0.9, 0.999, 1e-8


def initial_theta():
    """schedule-registry.ts: θ = (log 0.003, log 30)."""
    return jnp.array([jnp.log(0.003), jnp.log(30.0)], jnp.float32)


def learning_rate(theta, t):
    """exp(θ0) / (1 + t/5000)^exp(θ1)."""
    return jnp.exp(theta[0] - jnp.exp(theta[1]) * jnp.log1p(t / DECAY_STEPS))


def init_network(key, arch):
    """He-normal weights (in × out), zero biases: network.ts initialParameters."""
    params = []
    keys = jax.random.split(key, len(arch) - 1)
    for k, fan_in, fan_out in zip(keys, arch[:-1], arch[1:]):
        w = jax.random.normal(k, (fan_in, fan_out), jnp.float32) * jnp.sqrt(2.0 / fan_in)
        params.append((w, jnp.zeros((fan_out,), jnp.float32)))
    return params


def loss_fn(params, x, labels):
    """Mean softmax cross-entropy of a ReLU MLP."""
    a = x
    for w, b in params[:-1]:
        a = jax.nn.relu(a @ w + b)
    w, b = params[-1]
    log_probs = jax.nn.log_softmax(a @ w + b)
    return -jnp.mean(jnp.take_along_axis(log_probs, labels[:, None], axis=1))


def inner_step(params, velocity, theta, t, x, labels):
    """One particle's momentum-SGD step at its learning rate lr(θ_p, t_p)."""
    loss, grads = jax.value_and_grad(loss_fn)(params, x, labels)
    lr = learning_rate(theta, t.astype(jnp.float32))
    velocity = jax.tree.map(lambda v, g: INNER_MOMENTUM * v + g, velocity, grads)
    params = jax.tree.map(lambda p, v: p - lr * v, params, velocity)
    return params, velocity, loss


def stacked(tree, n):
    return jax.tree.map(lambda x: jnp.broadcast_to(x, (n,) + x.shape), tree)


def where_particles(mask, new, old):
    """Per particle: `new` (unbatched, broadcast) where mask, else `old` (stacked)."""
    return jax.tree.map(
        lambda a, b: jnp.where(mask.reshape((-1,) + (1,) * (b.ndim - 1)), a[None], b), new, old)


def make_state(key, cfg):
    """Meta-training's start: every particle the same fresh network (task.init draws one),
    zero momenta, staggered counters (one uniform offset per pair), ξ = 0, θ, Adam at 0."""
    n, arch, horizon = cfg["particles"], cfg["arch"], cfg["horizon"]
    init_key, stagger_key, loop_key = jax.random.split(key, 3)
    net = init_network(init_key, arch)
    offsets = jax.random.randint(stagger_key, (n // 2,), 0, horizon)
    theta = initial_theta()
    return {
        "params": stacked(net, n),
        "velocity": stacked(jax.tree.map(jnp.zeros_like, net), n),
        "t": jnp.repeat(offsets, 2).astype(jnp.int32),
        "xi": jnp.zeros((n, theta.shape[0]), jnp.float32),
        "theta": theta,
        "adam": {"mu": jnp.zeros_like(theta), "nu": jnp.zeros_like(theta),
                 "count": jnp.zeros((), jnp.int32)},
        "key": loop_key,
        # Figures of the last iteration, for checks (not inputs).
        "meta_loss": jnp.zeros((), jnp.float32),
        "grad": jnp.zeros_like(theta),
        "episodes_ended": jnp.zeros((), jnp.int32),
    }


def make_iteration(cfg):
    n, steps, batch = cfg["particles"], cfg["unroll"], cfg["batch"]
    arch, horizon, sigma, outer_lr = cfg["arch"], cfg["horizon"], cfg["sigma"], cfg["outer_lr"]
    per_particle = cfg["per_particle_batches"]
    step_all = jax.vmap(inner_step, in_axes=(0, 0, 0, 0, 0 if per_particle else None,
                                             0 if per_particle else None))

    def fresh(mask, key, params, velocity):
        net = init_network(key, arch)
        zeros = jax.tree.map(jnp.zeros_like, net)
        return where_particles(mask, net, params), where_particles(mask, zeros, velocity)

    def iteration(state, data):
        x_all, labels_all = data
        records = x_all.shape[0]
        key, noise_key, unroll_key, reset_key = jax.random.split(state["key"], 4)
        theta, xi = state["theta"], state["xi"]
        dim = theta.shape[0]
        z = jax.random.normal(noise_key, (n // 2, dim), jnp.float32)
        eps = sigma * jnp.stack([z, -z], axis=1).reshape(n, dim)
        thetas = theta[None] + eps

        def body(carry, k):
            params, velocity, t, ended, before, after, last_end = carry
            batch_key, init_key = jax.random.split(jax.random.fold_in(unroll_key, k))
            shape = (n, batch) if per_particle else (batch,)
            idx = jax.random.randint(batch_key, shape, 0, records)
            params, velocity, loss = step_all(params, velocity, thetas, t,
                                              x_all[idx], labels_all[idx])
            done = t + 1 >= horizon
            t = jnp.where(done, 0, t + 1)
            params, velocity = lax.cond(
                jnp.any(done), fresh, lambda m, kk, p, v: (p, v), done, init_key, params, velocity)
            before = before + jnp.where(ended, 0.0, loss)
            after = after + jnp.where(ended, loss, 0.0)
            ended = ended | done
            last_end = jnp.where(done, k, last_end)
            return (params, velocity, t, ended, before, after, last_end), None

        zeros = jnp.zeros((n,), jnp.float32)
        carry = (state["params"], state["velocity"], state["t"], jnp.zeros((n,), bool),
                 zeros, zeros, jnp.full((n,), -1, jnp.int32))
        (params, velocity, t, ended, before, after, last_end), _ = lax.scan(
            body, carry, jnp.arange(steps))

        # A pair with a non-finite loss is left out of ĝ and restarted.
        finite = jnp.isfinite(before) & jnp.isfinite(after)
        include = jnp.repeat(finite.reshape(n // 2, 2).all(axis=1), 2)
        used = include.sum()
        weights = (jnp.where(include, before, 0.0)[:, None] * (xi + eps)
                   + jnp.where(include, after, 0.0)[:, None] * eps)
        grad = weights.sum(axis=0) / (used * sigma * sigma)
        grad = jnp.where(used > 0, grad, jnp.nan)
        objectives = before + after
        meta_loss = jnp.sum(jnp.where(include, objectives, 0.0)) / used

        xi = jnp.where((last_end < 0)[:, None], xi + eps,
                       jnp.where((last_end < steps - 1)[:, None], eps, 0.0))
        excluded = ~include
        xi = jnp.where(excluded[:, None], 0.0, xi)
        t = jnp.where(excluded, 0, t)
        params, velocity = lax.cond(jnp.any(excluded), fresh, lambda m, kk, p, v: (p, v),
                                    excluded, reset_key, params, velocity)

        # Outer Adam; a non-finite gradient or θ skips the update (meta-trainer.ts).
        adam = state["adam"]
        count = adam["count"] + 1
        mu = ADAM_B1 * adam["mu"] + (1 - ADAM_B1) * grad
        nu = ADAM_B2 * adam["nu"] + (1 - ADAM_B2) * grad * grad
        c1 = 1 - ADAM_B1 ** count.astype(jnp.float32)
        c2 = 1 - ADAM_B2 ** count.astype(jnp.float32)
        candidate = theta - outer_lr * (mu / c1) / (jnp.sqrt(nu / c2) + ADAM_EPS)
        ok = jnp.all(jnp.isfinite(grad)) & jnp.all(jnp.isfinite(candidate))
        new_adam = {"mu": mu, "nu": nu, "count": count}
        adam = jax.tree.map(lambda a, b: jnp.where(ok, a, b), new_adam, adam)
        theta = jnp.where(ok, candidate, theta)

        return {
            "params": params, "velocity": velocity, "t": t, "xi": xi, "theta": theta,
            "adam": adam, "key": key, "meta_loss": meta_loss, "grad": grad,
            "episodes_ended": ended.sum().astype(jnp.int32),
        }

    return jax.jit(iteration, donate_argnums=0)


def random_data(key, records, arch):
    """MNIST-shaped data: standardised features (as @pes normalises them), labels 0–9 from a
    random linear teacher, so that training lowers the loss and the schedule matters."""
    kx, kw = jax.random.split(key)
    x = jax.random.normal(kx, (records, arch[0]), jnp.float32)
    teacher = jax.random.normal(kw, (arch[0], arch[-1]), jnp.float32)
    return x, jnp.argmax(x @ teacher, axis=1).astype(jnp.int32)


def setup(args):
    cfg = {
        "particles": args.particles, "unroll": args.unroll, "batch": args.batch,
        "arch": [int(s) for s in args.arch.split("-")], "horizon": args.horizon,
        "sigma": args.sigma, "outer_lr": args.outer_lr,
        "per_particle_batches": args.per_particle_batches,
    }
    data_key, state_key = jax.random.split(jax.random.PRNGKey(args.seed))
    data = random_data(data_key, args.records, cfg["arch"])
    step = make_iteration(cfg)
    # iteration(state) -> state; the data travel as an argument, not as a jit constant.
    return cfg, data, (lambda state: step(state, data)), make_state(state_key, cfg)


def check(args):
    """Finite losses, θ moves, and ĝ's direction from the initial schedule."""
    cfg, data, iteration, state = setup(args)
    theta0 = [float(v) for v in state["theta"]]
    grads, losses = [], []
    for _ in range(args.iterations):
        state = iteration(state)
        grads.append([float(v) for v in state["grad"]])
        losses.append(float(state["meta_loss"]))
    theta = [float(v) for v in state["theta"]]
    mean_grad = [sum(g[j] for g in grads) / len(grads) for j in range(len(theta))]
    # Small σ, fixed key, fresh state: the first estimate (ξ = 0) is ES's on one unroll.
    small = dict(vars(args), sigma=1e-3)
    _, _, it_small, s_small = setup(argparse.Namespace(**small))
    s_small = it_small(s_small)
    report = {
        "check": True,
        "iterations": args.iterations,
        "theta_start": theta0,
        "theta_end": theta,
        "meta_loss_first_last": [losses[0], losses[-1]],
        "all_meta_losses_finite": all(map(lambda v: v == v and abs(v) != float("inf"), losses)),
        "mean_grad": mean_grad,
        "grad_sigma_1e-3_first_iteration": [float(v) for v in s_small["grad"]],
        "theta_moved": any(abs(a - b) > 1e-6 for a, b in zip(theta, theta0)),
        "jax": jax.__version__,
    }
    print(json.dumps(report))
    ok = report["all_meta_losses_finite"] and report["theta_moved"]
    return 0 if ok else 1


def thread_ticks():
    """CPU ticks (user + system) of each of this process's threads (Linux /proc)."""
    ticks = {}
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return ticks
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks[tid] = int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return ticks


def bench(args):
    cfg, data, iteration, state = setup(args)
    # Warm up: compile and run twice (the second call reuses the donated buffers' layout).
    start = time.perf_counter()
    for _ in range(2):
        state = iteration(state)
    jax.block_until_ready(state)
    warmup = time.perf_counter() - start
    seconds, cores = [], []
    ticks_before = thread_ticks()
    for _ in range(args.repeats):
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.iterations):
            state = iteration(state)
        jax.block_until_ready(state)
        wall = time.perf_counter() - start
        seconds.append(wall / args.iterations)
        # CPU seconds of all this process's threads per wall second: ≤ 1 on one thread.
        cores.append((time.process_time() - cpu) / wall)
    ticks_after = thread_ticks()
    used = [t - ticks_before.get(tid, 0) for tid, t in ticks_after.items()]
    # Threads that did at least a tenth of the timed work: 1 under --threads 1.
    busy_threads = sum(1 for u in used if u > 0 and u >= 0.1 * max(sum(used), 1))
    if not bool(jnp.isfinite(state["meta_loss"])):
        print("warning: meta-loss not finite", file=sys.stderr)
    print(json.dumps({
        "particles": args.particles,
        "threads": args.threads if args.threads is not None else len(CPUS),
        "unroll": args.unroll,
        "arch": args.arch,
        "batch": args.batch,
        "per_particle_batches": args.per_particle_batches,
        "seconds_per_iteration": [round(s, 6) for s in seconds],
        "cores_busy": [round(c, 2) for c in cores],
        "warmup_seconds": round(warmup, 2),
        "affinity": len(os.sched_getaffinity(0)),
        "busy_threads": busy_threads,
        "jax": jax.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(check(ARGS) if ARGS.check else bench(ARGS))
