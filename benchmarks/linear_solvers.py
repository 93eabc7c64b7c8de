"""Benchmark: gradient descent and conjugate gradient against torch.linalg.solve on random
well-conditioned systems (float64), n = 100, 1000, 4000: iterations, time per iteration, and the cost
of one GD iteration in matrix-vector products. Run: python benchmarks/linear_solvers.py [n ...]"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def mean_time(fn, repeats: int = 5) -> float:
    """Mean seconds per call, after one warm-up (the solvers' iterations are averages too)."""
    fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def main(sizes=(100, 1000, 4000)) -> None:
    import torch

    from derive.checks.solvers import random_system, solve, step_for

    print(f"threads {torch.get_num_threads()}, torch {torch.__version__}")
    print(f"{'n':>5} {'method':<19} {'iters':>6} {'ms/iter':>9} {'matvecs/iter':>13} {'total ms':>9} "
          f"{'linalg.solve ms':>16} {'max error':>10}")
    for n in sizes:
        A, b, x = random_system(n, seed=0)
        s = torch.linalg.svdvals(A)
        L, mu, kappa = float(s[0]) ** 2, float(s[-1]) ** 2, float(s[0] / s[-1])
        v = torch.randn(n, dtype=torch.float64)
        matvec = mean_time(lambda: A @ v, 20)
        direct = mean_time(lambda: torch.linalg.solve(A, b))
        for method in ("gradient-descent", "conjugate-gradient"):
            step = step_for(method, L, mu, kappa, 1e-10)
            run = solve(method, A, b, step, 1e-10, 100_000)
            per = run.seconds / max(run.iterations, 1)
            error = float((torch.tensor(run.solution, dtype=torch.float64) - x).abs().max())
            print(f"{n:>5} {method:<19} {run.iterations:>6} {1e3 * per:>9.3f} {per / matvec:>13.2f} "
                  f"{1e3 * run.seconds:>9.1f} {1e3 * direct:>16.2f} {error:>10.1e}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or (100, 1000, 4000))
