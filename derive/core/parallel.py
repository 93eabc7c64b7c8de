"""Running independent jobs on every core: figures, LaTeX documents, variant candidates.

Jobs are closures; on Linux the pool forks after they are made, so they cross to the workers without
pickling (each worker calls `jobs[i]` from its copy of the list). Where fork is missing, or for one job,
they run in this process."""
from __future__ import annotations

import multiprocessing
import os

_JOBS: list = []


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _call(i: int):
    return _JOBS[i]()


def map_jobs(jobs: list, workers: int | None = None) -> list:
    """[job() for job in jobs], in order, on up to `workers` processes (default: every core)."""
    global _JOBS
    workers = min(workers or cores(), len(jobs))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [job() for job in jobs]
    _JOBS = jobs
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_call, range(len(jobs)), chunksize=1)
    finally:
        _JOBS = []
