"""Benchmark: whole-process time of the default report (the six bundled exercises in both languages,
md,tex,ipynb and then with PDFs and HTML, the quick benchmark profile; and the three exercises the targets were
set for), `bench --quick` and `variants -n 50` (fair variants of Ejercicio 2 have about 64 distinct answers, so
the issue's 100 cannot be drawn: 50 against half its target; `-n 100` is timed to the error that says so), against the scale issue's targets on the 2-core
machine, beside `python -c "import sympy"` (the floor of anything that parses a formula) in the same run. Each command runs in a fresh process, as a user runs it.
Run: python benchmarks/report_time.py [runs]"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

THREE = ["ejercicio1", "ejercicio2", "ejercicio3"]     # the exercises the targets were set for

TARGETS = {
    "report --format md,tex,ipynb": (["report", "--format", "md,tex,ipynb", "--out"], 3.5),
    "  ejercicio1-3 only": (["report", *THREE, "--format", "md,tex,ipynb", "--out"], 3.5),
    "report (with PDFs)": (["report", "--out"], 9.0),
    "  ejercicio1-3 only, with PDFs": (["report", *THREE, "--out"], 9.0),
    "bench ejercicio1 --quick": (["bench", "ejercicio1", "--quick"], 3.0),
    "variants ejercicio2 -n 50 --format md": (["variants", "ejercicio2", "-n", "50", "--format", "md", "--out"], 5.0),
    "variants ejercicio2 -n 100 (says ~64 exist)": (["variants", "ejercicio2", "-n", "100", "--format", "md",
                                                     "--out"], 10.0),
    "gradients ejercicio2": (["gradients", "ejercicio2"], None),
    "solve ejercicio3": (["solve", "ejercicio3"], None),
}


def whole_process(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True)
    if done.returncode not in (0, 1) or (done.returncode == 1 and b"distinct answers" not in done.stderr):
        raise SystemExit(f"derive {' '.join(args)} failed:\n{done.stderr.decode()}")
    return time.perf_counter() - start


def main(runs: int = 3) -> None:
    floor = statistics.median(_python(["-c", "import sympy"]) for _ in range(max(3, runs)))
    print(f'python -c "import sympy" (the floor): {floor:.2f} s')
    print(f"{'command':<38} {'first s':>8} {'median s':>9} {'target s':>9} {'median/target':>14}")
    for label, (args, target) in TARGETS.items():
        times = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as out:
                times.append(whole_process(args + [out] if args[-1] == "--out" else args))
        median = statistics.median(times)
        ratio = f"{median / target:.2f}" if target else "-"
        print(f"{label:<38} {times[0]:>8.2f} {median:>9.2f} {target or '-':>9} {ratio:>14}")


def _python(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], check=True, capture_output=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
