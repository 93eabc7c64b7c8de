"""Benchmark: how derive scales, side by side in one run (the scale issue's table).

For tanh MLPs 2-8-8-1 … 2-128-128-1 (one formula per scalar multiply or add, benchmarks/mlp_gradients.py):
  * whole-process `gradients FILE --json --exact-only` and `gradients FILE --json`: seconds and peak memory;
  * derive's numeric engine in-process (the mpmath pass at two precisions, after imports);
  * a plain mpmath reverse pass at 30 digits over the same network, written by hand (the floor);
    these two are each the quickest of 5 runs (3 from 2-64-64-1), taken in turns;
  * torch float64 autograd over the same scalar graph, as the checks run it (level by level, derive.levels).
Then cold starts, each beside `python -c "import sympy"` (the floor of anything that parses a formula).

Run: python benchmarks/scale.py [--largest 128] [--repeats 1]
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from mlp_gradients import mlp_exercise  # noqa: E402


def network(widths: list[int], seed: int = 0):
    """The same numbers mlp_exercise writes: inputs, and per layer the weights and biases."""
    rng = random.Random(seed)
    xs = [round(rng.uniform(-1, 1), 2) for _ in range(widths[0])]
    layers = []
    previous = len(xs)
    for width in widths[1:]:
        units = []
        for _ in range(width):
            bias = round(rng.uniform(-0.5, 0.5), 2)
            weights = [round(rng.gauss(0, 1 / previous ** 0.5), 2) for _ in range(previous)]
            units.append((bias, weights))
        layers.append(units)
        previous = width
    return xs, layers


def mpmath_pass(widths: list[int]) -> float:
    """Forward and reverse over the scalar graph with mpmath at 30 digits, by hand: seconds."""
    import mpmath

    xs, layers = network(widths)
    start = time.perf_counter()
    with mpmath.workdps(30):
        acts = [mpmath.mpf(x) for x in xs]
        tape = []
        for k, units in enumerate(layers):
            out = []
            for bias, weights in units:
                s = mpmath.mpf(bias)
                ws = [mpmath.mpf(w) for w in weights]
                for w, a in zip(ws, acts):
                    s = s + w * a
                out.append(mpmath.tanh(s) if k < len(layers) - 1 else s)
                tape.append((ws, acts, out[-1], k < len(layers) - 1))
            acts = out
        bar = {id(acts[0]): mpmath.mpf(1)}
        grads = []
        for ws, inputs, y, squashed in reversed(tape):
            g = bar.get(id(y), mpmath.mpf(0)) * ((1 - y * y) if squashed else 1)
            grads.append([g * a for a in inputs])
            for w, a in zip(ws, inputs):
                bar[id(a)] = bar.get(id(a), mpmath.mpf(0)) + g * w
    return time.perf_counter() - start


def torch_pass(text: str) -> float:
    """torch float64 autograd over the same scalar graph through derive's registry, level by level (every
    formula of one shape at one depth is one torch call), as the checks run it: seconds."""
    import torch

    from derive.engine import derive
    from derive.model.exercise import loads
    from derive.checks.numeric import autograd

    autograd(derive(loads(mlp_exercise([2, 2, 2, 1], seed=1)), exact=False), torch.float64)   # torch's first call
    d = derive(loads(text), exact=False)
    start = time.perf_counter()
    autograd(d, torch.float64)
    return time.perf_counter() - start


def engine(text: str) -> tuple[float, int]:
    """derive's numeric pass (exact=False) on the network, after a warm-up on a different, tiny network (2-2-2-1)
    that pays the process's one-time costs (SymPy's lazy imports, each op's partial derivative compiled once)."""
    from derive.engine import derive
    from derive.model.exercise import loads

    derive(loads(mlp_exercise([2, 2, 2, 1], seed=1)), exact=False)
    ex = loads(text)
    import gc

    gc.disable()
    start = time.perf_counter()
    derive(ex, exact=False)
    seconds = time.perf_counter() - start
    gc.enable()
    return seconds, len(ex.formulas)


def process(args: list[str]) -> tuple[float, float]:
    """Seconds and peak memory (MB) of one fresh `python -m derive` process (its own peak, from the rusage
    that os.wait4 returns for that child alone, so earlier children do not count)."""
    import os

    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "derive", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = 0                      # reaped above
    return seconds, usage.ru_maxrss / 1024


def quiet(args: list[str], repeats: int) -> tuple[float, float]:
    runs = [process(args) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--largest", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    widths = [w for w in (8, 16, 32, 64, 128) if w <= args.largest]
    folder = Path(tempfile.mkdtemp())
    print(f"{'network':<12} {'formulas':>8} | {'exact-only s':>12} {'MB':>6} | {'with checks s':>13} {'MB':>6} | "
          f"{'engine s':>8} {'µs/formula':>10} | {'mpmath s':>8} {'engine/mpmath':>13} | {'torch s':>7}")
    for w in widths:
        shape = [2, w, w, 1]
        text = mlp_exercise(shape)
        path = folder / f"mlp{w}.toml"
        path.write_text(text)
        exact_only = quiet(["gradients", str(path), "--json", "--exact-only"], args.repeats)
        checked = quiet(["gradients", str(path), "--json"], args.repeats)
        tries = 5 if w <= 32 else 3          # the quickest of several in-process runs of each, taken in turns,
        pairs = [(engine(text), mpmath_pass(shape)) for _ in range(tries)]   # so a noisy moment hits both
        ours, count = min(p[0] for p in pairs)
        plain = min(p[1] for p in pairs)
        torch_s = torch_pass(text)
        print(f"{'-'.join(map(str, shape)):<12} {count:>8} | {exact_only[0]:>12.2f} {exact_only[1]:>6.0f} | "
              f"{checked[0]:>13.2f} {checked[1]:>6.0f} | {ours:>8.3f} {ours / count * 1e6:>10.0f} | "
              f"{plain:>8.4f} {ours / plain:>12.1f}x | {torch_s:>7.3f}", flush=True)
    print()
    floor = statistics.median(_python(["-c", "import sympy"]) for _ in range(max(3, args.repeats)))
    print(f"{'cold start':<40} {'seconds':>8} {'target':>7} {'÷ import sympy':>15}")
    floor_label = 'python -c "import sympy" (the floor)'
    print(f"{floor_label:<40} {floor:>8.2f} {'':>7} {1.0:>15.2f}")
    for label, argv, target in (("gradients ejercicio2 --exact-only", ["gradients", "ejercicio2", "--exact-only"], 0.8),
                                ("list", ["list"], 0.3), ("check ejercicio2", ["check", "ejercicio2"], 1.0),
                                ("--help", ["--help"], None)):
        seconds = statistics.median(_python(["-m", "derive", *argv]) for _ in range(max(3, args.repeats)))
        print(f"{label:<40} {seconds:>8.2f} {target if target else '':>7} {seconds / floor:>15.2f}")


def _python(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
