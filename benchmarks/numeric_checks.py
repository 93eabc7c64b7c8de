"""Benchmark: the full `gradients --json` (exact + autograd + finite differences) of tanh MLPs,
whole-process, and the numeric part alone. Run: python benchmarks/numeric_checks.py"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from mlp_gradients import mlp_exercise  # noqa: E402


def main() -> None:
    from derive.engine import derive
    from derive.exercise import loads
    from derive.numeric import check_gradients

    derive(loads(mlp_exercise([2, 2, 1])))
    check_gradients(derive(loads(mlp_exercise([2, 2, 1]))))      # warm-up: torch's first calls
    print(f"{'network':<12} {'formulas':>8} {'inputs':>6} {'whole process s':>16} {'numeric part s':>15}")
    for widths in ([2, 16, 16, 1], [2, 32, 32, 1]):
        text = mlp_exercise(widths)
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write(text)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "derive", "gradients", f.name, "--json"], check=True,
                       stdout=subprocess.DEVNULL, cwd=ROOT)
        whole = time.perf_counter() - start
        d = derive(loads(text))
        start = time.perf_counter()
        check_gradients(d)
        numeric = time.perf_counter() - start
        Path(f.name).unlink()
        print(f"{'-'.join(map(str, widths)):<12} {len(d.exercise.formulas):>8} {len(d.exercise.wrt):>6} "
              f"{whole:>16.2f} {numeric:>15.2f}")


if __name__ == "__main__":
    main()
