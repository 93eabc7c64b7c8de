"""Benchmark: `derive variants ejercicio2 -n 50 --format md` (draw, check, and write the Markdown
answer keys), whole-process, with one worker and with one per core. The scale issue's target is 10 s for
100 variants; fair variants of Ejercicio 2 (the same max branches as its point) have only about 60 distinct
answers, so 50 are drawn against 5 s. Run: python benchmarks/variants_time.py [n]"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time


def run(n: int, workers: int) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "derive", "variants", "ejercicio2", "-n", str(n), "--seed", "1",
                        "--out", out, "--format", "md", "--workers", str(workers)], check=True, capture_output=True)
        return time.perf_counter() - start


def main(n: int = 50) -> None:
    cores = os.cpu_count() or 1
    one = run(n, 1)
    many = run(n, cores)
    print(f"{n} variants, 1 worker: {one:.1f} s; {cores} workers: {many:.1f} s; speedup {one / many:.2f}x; "
          f"target {n / 10:.0f} s: {many / (n / 10):.2f} of it")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
