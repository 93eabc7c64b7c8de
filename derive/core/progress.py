"""A progress bar on a terminal for long runs (tqdm), nothing when the output is piped or redirected."""
from __future__ import annotations

import sys
from contextlib import contextmanager


@contextmanager
def bar(total: int, label: str, stream=None):
    """Yields `update(done, total)` for a run of `total` items, or None when `stream` is not a terminal."""
    stream = stream or sys.stderr
    if not stream.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=label, file=stream, leave=False, unit="") as shown:
        def update(done: int, _total: int):
            shown.update(done - shown.n)

        yield update
