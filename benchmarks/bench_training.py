"""How much time ``dlbook.training.fit`` costs over a plain hand-written PyTorch loop.

Usage: python benchmarks/bench_training.py [--epochs N] [--repeats N]

Trains each classifier of the lab (perceptron, MLP, CNN) on the 8x8 digits twice per
repeat: once with ``fit`` and once with the barest loop one writes by hand (shuffle,
forward, backward, step, and nothing else; with a validation set, one evaluation of it
per epoch). ``fit`` does more per batch than that loop (it keeps the training loss and
accuracy of each epoch), so the ratio is its whole cost. Both runs start from the same
weights and the same random state, so they must end with the same weights; the script
checks that before it trusts a timing. The runs come in pairs, one of each, and the
ratio is the median over the pairs, so a burst of other work on the machine moves
one pair and not the figure. The runs are short (about a tenth of a second) and
many: the speed of a shared machine drifts over seconds, and the two runs of a
short pair see the same machine. The middle half of the pairs' ratios is printed
beside the median: how much one pair can be trusted on this machine.
Times are CPU seconds of the process (on one thread by default), which count the work
done and not the waiting for a busy CPU; wall-clock ratios are printed beside them.

Prints one row per model and configuration with the ratio fit / plain loop; the goal
is a ratio of at most 1.05. Exits non-zero when a ratio misses it. A benchmark, not a
test: its figures depend on the machine.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import time

import torch
from torch import nn

from dlbook.data import load_digits
from dlbook.models import CNN, MLP, Perceptron
from dlbook.training import fit

GOAL = 1.05
# Epochs per run: runs of 0.1-0.3 s on a 2-core machine (an epoch of the perceptron
# lasts some 5 ms, of the MLP 10-15 ms, of the CNN 0.2-0.3 s), long enough for the
# clock and short enough that the machine's speed does not drift within a pair.
EPOCHS = {"perceptron": 20, "mlp": 8, "cnn": 1}
BATCH_SIZE, LR, MOMENTUM = 128, 0.05, 0.5  # the workshop's settings, fit's defaults


def plain_loop(model, X, y, X_val=None, y_val=None, *, num_epochs, seed):
    """The bare loop: shuffle, forward, backward, step; validation loss and accuracy."""
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    n = len(y)
    val_history = []
    for _ in range(num_epochs):
        model.train()
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            loss = loss_fn(model(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if X_val is not None:
            model.eval()
            with torch.no_grad():
                logits = model(X_val)
                accuracy = (logits.argmax(dim=1) == y_val).float().mean()
                val_history.append((loss_fn(logits, y_val).item(), accuracy.item()))
    return val_history


def _time(run) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``run()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def compare(name, make_model, splits, *, with_val, num_epochs, repeats, seed=0):
    """Medians over ``repeats`` pairs of runs: the ratio fit / plain of CPU seconds,
    its lower and upper quartiles, the CPU seconds of each, and the ratio of
    wall-clock seconds. First checks that both end with the same weights."""
    torch.manual_seed(seed)
    initial = make_model()
    train = (splits.X_train, splits.y_train)
    val = (splits.X_val, splits.y_val) if with_val else None

    def run_fit():
        model = copy.deepcopy(initial)
        torch.manual_seed(seed)  # dropout draws from the global generator
        fit(model, train, val, num_epochs=num_epochs, batch_size=BATCH_SIZE, lr=LR,
            momentum=MOMENTUM, shuffle=True, seed=seed, device="cpu", progress=False)
        return model

    def run_plain():
        model = copy.deepcopy(initial)
        torch.manual_seed(seed)
        plain_loop(model, *train, *(val or (None, None)), num_epochs=num_epochs,
                   seed=seed)
        return model

    a, b = run_fit(), run_plain()  # also warms up both paths
    for (key, p), q in zip(a.state_dict().items(), b.state_dict().values()):
        if p.is_floating_point() and not torch.allclose(p, q, rtol=1e-4, atol=1e-6):
            sys.exit(f"{name}: fit and the plain loop end with different weights in "
                     f"{key!r}; they are not doing the same work, so no timing")
    fit_s, plain_s = [], []
    for i in range(repeats):  # in pairs, each side first in turn
        if i % 2:
            plain_s.append(_time(run_plain))
            fit_s.append(_time(run_fit))
        else:
            fit_s.append(_time(run_fit))
            plain_s.append(_time(run_plain))
    ratios = sorted(f[1] / p[1] for f, p in zip(fit_s, plain_s))
    median = statistics.median
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    wall = median(f[0] / p[0] for f, p in zip(fit_s, plain_s))
    return (median(ratios), (q1, q3), median(f[1] for f in fit_s),
            median(p[1] for p in plain_s), wall)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int,
                        help=f"epochs per run for every model (default: {EPOCHS})")
    parser.add_argument("--repeats", type=int, default=61,
                        help="timed pairs of runs (runs are short: fewer are noisy)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: these models are too small "
                             "for a second thread to help, and on a busy machine a "
                             "thread that waits for the other makes timings noisy)")
    args = parser.parse_args(argv)
    for flag, least in (("epochs", 1), ("repeats", 2), ("threads", 1)):
        value = getattr(args, flag)
        if value is not None and value < least:  # two pairs at least, for quartiles
            parser.error(f"--{flag} must be at least {least}, got {value}")
    torch.set_num_threads(args.threads)

    splits = load_digits()
    shape, k = splits.input_shape, splits.num_classes
    models = {
        "perceptron": lambda: Perceptron(shape, k),
        "mlp": lambda: MLP(shape, k),
        "cnn": lambda: CNN(shape, k),
    }
    print(f"Training-loop overhead: dlbook.training.fit against a plain PyTorch loop\n"
          f"digits train split {tuple(splits.X_train.shape)}, batch {BATCH_SIZE}, "
          f"epochs {args.epochs or EPOCHS}, medians of {args.repeats} pairs, torch "
          f"{torch.__version__} on {torch.get_num_threads()} threads, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print(f"{'model':12s} {'validation':>10s} {'fit':>8s} {'plain':>8s} {'ratio':>6s} "
          f"{'middle half':>13s}  {'wall ratio':>10s}  goal: ratio <= {GOAL:.2f}")
    worst = 0.0
    for name, make in models.items():
        for with_val in (False, True):
            ratio, (q1, q3), fit_cpu, plain_cpu, wall_ratio = compare(
                name, make, splits, with_val=with_val,
                num_epochs=args.epochs or EPOCHS[name], repeats=args.repeats)
            worst = max(worst, ratio)
            print(f"{name:12s} {'each epoch' if with_val else 'none':>10s} "
                  f"{fit_cpu:7.3f}s {plain_cpu:7.3f}s {ratio:6.3f} "
                  f"{q1:6.3f}-{q3:6.3f}  {wall_ratio:10.3f}  "
                  f"{'PASS' if ratio <= GOAL else 'FAIL'}",
                  flush=True)
    verdict = "PASS" if worst <= GOAL else "FAIL"
    print(f"\nfit, plain: median CPU seconds of a run; ratio: median of fit / plain "
          f"over pairs of runs;\nmiddle half: the ratios of the middle half of the "
          f"pairs (their quartiles).\nThe verdict uses CPU time, which other work on the "
          f"machine disturbs far less than\nwall-clock time (the wall ratio).\n"
          f"worst ratio {worst:.3f}: {verdict} "
          f"(goal: fit costs at most {(GOAL - 1) * 100:.0f}% more than the plain loop)")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
