"""`report --watch`: re-render when an exercise file changes; a broken file prints its error and waits."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

from .errors import DeriveError


def _stamp(paths: list[Path]) -> tuple:
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


def watch(paths: list[str], action: Callable[[], int], interval: float = 0.5,
          until: Callable[[], bool] = lambda: False, err=None) -> int:
    """Run `action` now and after every change to `paths`, until Ctrl-C (or `until()`): DeriveError is
    printed as a message, never a traceback."""
    err = err or sys.stderr
    files = [Path(p) for p in paths]
    last = None
    try:
        while not until():
            stamp = _stamp(files)
            if stamp != last:
                last = stamp
                try:
                    status = action()
                    print(f"[watch] {'updated' if status == 0 else 'finished with errors'}; waiting for changes "
                          "(Ctrl-C to stop)", file=err, flush=True)
                except DeriveError as e:
                    print(e, file=err, flush=True)
                    print("[watch] fix the file and save it; waiting for changes", file=err, flush=True)
            time.sleep(interval)
    except KeyboardInterrupt:
        pass
    return 0
