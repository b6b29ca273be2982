"""Optuna's TPE sampler on the problems of `pes experiment tune-comparison`, the reference PES is
compared with at the same budget of inner training steps. Each trial trains the same model as
@pes's model-tuning task, the same way: Glorot-uniform kernels and zero biases, momentum SGD
(v <- mu v + g, w <- w - lr v) on minibatches of --batch records drawn uniformly with
replacement, for --horizon steps, at a constant learning rate and momentum from the same ranges
(learning rate log-uniform in [1e-4, 1], momentum in [0, 0.99]). A trial's value is the final
validation loss. The best trial's hyperparameters are then retrained from a fresh start, as @pes
retrains its tuned θ, and that run's validation accuracy is the result.
Prints one JSON line."""
import argparse
import json
import math
import time

import jax
import jax.numpy as jnp
import numpy as np
import optuna

parser = argparse.ArgumentParser()
parser.add_argument("--model", choices=["mlp", "conv"], required=True)
parser.add_argument("--train", required=True)
parser.add_argument("--validation", required=True)
parser.add_argument("--horizon", type=int, required=True)
parser.add_argument("--batch", type=int, required=True)
parser.add_argument("--budget", type=int, required=True, help="inner steps in all")
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()


def read(path):
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    return table[:, :-1], table[:, -1].astype(np.int32)


x_train, y_train = read(args.train)
x_val, y_val = read(args.validation)
classes = int(max(y_train.max(), y_val.max())) + 1
if args.model == "conv":
    x_train = x_train.reshape(-1, 28, 28, 1)
    x_val = x_val.reshape(-1, 28, 28, 1)


def glorot(rng, shape):
    field = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    fan_in, fan_out = field * shape[-2], field * shape[-1]
    limit = math.sqrt(6 / (fan_in + fan_out))
    return jnp.asarray(rng.uniform(-limit, limit, shape).astype(np.float32))


def init(rng):
    if args.model == "mlp":
        features = x_train.shape[1]
        return [glorot(rng, (features, 32)), jnp.zeros(32), glorot(rng, (32, classes)), jnp.zeros(classes)]
    return [glorot(rng, (5, 5, 1, 8)), jnp.zeros(8), glorot(rng, (12 * 12 * 8, classes)), jnp.zeros(classes)]


def logits(params, x):
    w1, b1, w2, b2 = params
    if args.model == "mlp":
        h = jax.nn.relu(x @ w1 + b1)
    else:
        h = jax.lax.conv_general_dilated(x, w1, (2, 2), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        h = jax.nn.relu(h + b1).reshape(x.shape[0], -1)
    return h @ w2 + b2


def loss(params, x, y):
    # softmax then cross-entropy, as tfjs's categoricalCrossentropy on a softmax layer
    return -jnp.mean(jnp.sum(jax.nn.one_hot(y, classes) * jax.nn.log_softmax(logits(params, x)), -1))


@jax.jit
def train(params, indices, lr, momentum):
    xs, ys = jnp.asarray(x_train), jnp.asarray(y_train)

    def step(carry, index):
        w, v = carry
        g = jax.grad(loss)(w, xs[index], ys[index])
        v = [momentum * vi + gi for vi, gi in zip(v, g)]
        w = [wi - lr * vi for wi, vi in zip(w, v)]
        return (w, v), None

    (w, _), _ = jax.lax.scan(step, (params, [jnp.zeros_like(p) for p in params]), indices)
    out = logits(w, jnp.asarray(x_val))
    val_loss = -jnp.mean(jnp.sum(jax.nn.one_hot(jnp.asarray(y_val), classes) * jax.nn.log_softmax(out), -1))
    accuracy = jnp.mean(jnp.argmax(out, -1) == jnp.asarray(y_val))
    return val_loss, accuracy


def run(rng, lr, momentum):
    indices = rng.integers(0, len(y_train), (args.horizon, args.batch))
    val_loss, accuracy = train(init(rng), jnp.asarray(indices), jnp.float32(lr), jnp.float32(momentum))
    return float(val_loss), float(accuracy)


rng = np.random.default_rng(args.seed)
trials = args.budget // args.horizon
curve = []
best = {"value": math.inf}
started = time.perf_counter()


def objective(trial):
    lr = trial.suggest_float("learningRate", 1e-4, 1.0, log=True)
    momentum = trial.suggest_float("momentum", 0.0, 0.99)
    val_loss, accuracy = run(rng, lr, momentum)
    value = val_loss if math.isfinite(val_loss) else 1e9
    if value < best["value"]:
        best.update(value=value, accuracy=accuracy, learningRate=lr, momentum=momentum)
    curve.append({"innerSteps": (trial.number + 1) * args.horizon, "valAccuracy": best["accuracy"]})
    return value


optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=args.seed))
study.optimize(objective, n_trials=trials)
val_loss, accuracy = run(np.random.default_rng(10_000 + args.seed), best["learningRate"], best["momentum"])
print(json.dumps({
    "method": "optuna-tpe",
    "seed": args.seed,
    "budget": trials * args.horizon,
    "trials": trials,
    "hyperparameters": {"learningRate": best["learningRate"], "momentum": best["momentum"]},
    "final": {"valAccuracy": accuracy, "valLoss": val_loss},
    "curve": curve,
    "seconds": time.perf_counter() - started,
}))
