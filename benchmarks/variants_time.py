"""Benchmark: `derive variants ejercicio2 -n 100 --format md` (draw, check, and write the Markdown
answer keys), whole-process, with one worker and with one per core. Target: <= 60 s on the 2-core
machine. Run: python benchmarks/variants_time.py [n]"""
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


def main(n: int = 100) -> None:
    cores = os.cpu_count() or 1
    one = run(n, 1)
    many = run(n, cores)
    print(f"{n} variants, 1 worker: {one:.1f} s; {cores} workers: {many:.1f} s; speedup {one / many:.2f}x; "
          f"target 60 s: {many / 60:.2f} of it")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
