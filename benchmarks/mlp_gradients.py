"""Benchmark: exact gradients of tanh-MLP exercises by derive's reverse mode vs the naive route.

The naive route composes the whole target as one SymPy expression and calls sympy.diff per input;
it is timed on a sample of inputs and extrapolated. Run: python benchmarks/mlp_gradients.py
"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def mlp_exercise(widths: list[int], seed: int = 0) -> str:
    """A tanh MLP as an exercise: one formula per scalar multiply or add, tanh per hidden unit."""
    rng = random.Random(seed)
    values, formulas = {}, {}
    previous = []
    for i in range(widths[0]):
        values[f"x{i}"] = round(rng.uniform(-1, 1), 2)
        previous.append(f"x{i}")
    for layer, width in enumerate(widths[1:], 1):
        current = []
        for j in range(width):
            acc = f"b{layer}_{j}"
            values[acc] = round(rng.uniform(-0.5, 0.5), 2)
            for i, source in enumerate(previous):
                w = f"w{layer}_{j}_{i}"
                values[w] = round(rng.gauss(0, 1 / len(previous) ** 0.5), 2)
                formulas[f"p{layer}_{j}_{i}"] = f"{w} * {source}"
                formulas[f"s{layer}_{j}_{i}"] = f"{acc} + p{layer}_{j}_{i}"
                acc = f"s{layer}_{j}_{i}"
            if layer < len(widths) - 1:
                formulas[f"h{layer}_{j}"] = f"tanh({acc})"
                current.append(f"h{layer}_{j}")
            else:
                current.append(acc)
        previous = current
    formulas["out"] = previous[0]
    lines = ['kind = "gradient"', "[values]"] + [f"{k} = {v}" for k, v in values.items()]
    lines += ["[formulas]"] + [f'{k} = "{v}"' for k, v in formulas.items()]
    return "\n".join(lines) + "\n"


def naive_seconds_per_input(ex, sample: int = 3) -> float:
    """sympy.diff of the fully composed target, per input (timed on a sample of inputs)."""
    import sympy as sp

    from derive.passes.graph import build
    from derive.core.parser import symbol

    g = build(ex)
    composed = {}
    for n in g.order:
        composed[n] = symbol(n) if n in ex.values else ex.formulas[n].expr.xreplace(
            {symbol(p): composed[p] for p in g.dag.predecessors(n)})
    target = composed[ex.target]
    point = {symbol(k): v for k, v in ex.values.items()}
    picks = ex.wrt[:: max(1, len(ex.wrt) // sample)][:sample]
    start = time.perf_counter()
    for x in picks:
        sp.N(sp.diff(target, symbol(x)).xreplace(point), 30)
    return (time.perf_counter() - start) / len(picks)


def _fresh(code: str) -> float:
    """Seconds printed by `code` run in a fresh interpreter (so neither route finds SymPy's cache warm)."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=str(Path(__file__).resolve().parent.parent))
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    print(f"{'network':<12} {'formulas':>8} {'inputs':>6} {'derive s':>9} {'us/formula':>10} "
          f"{'naive s (extrap.)':>18} {'ratio':>7}")
    for widths in ([2, 8, 8, 1], [2, 16, 16, 1], [2, 32, 32, 1]):
        setup = ("import sys, time; sys.path.insert(0, 'benchmarks'); from mlp_gradients import mlp_exercise, "
                 "naive_seconds_per_input; from derive.model.exercise import loads; from derive.engine import derive; "
                 f"ex = loads(mlp_exercise({widths}))")
        ours = _fresh(setup + "; start = time.perf_counter(); derive(ex); print(time.perf_counter() - start)")
        naive = _fresh(setup + "; print(naive_seconds_per_input(ex) * len(ex.wrt))")
        from derive.model.exercise import loads

        ex = loads(mlp_exercise(widths))
        name = "-".join(map(str, widths))
        per = ours / len(ex.formulas) * 1e6
        print(f"{name:<12} {len(ex.formulas):>8} {len(ex.wrt):>6} {ours:>9.3f} {per:>10.0f} "
              f"{naive:>18.1f} {naive / ours:>6.0f}x", flush=True)


if __name__ == "__main__":
    main()
