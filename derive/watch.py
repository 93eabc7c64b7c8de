"""`report --watch`: re-render when an exercise file changes; a broken file prints its error and waits."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable



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
    """Run `action` now and after every change to `paths`, until Ctrl-C (or `until()`): every failure
    (bad input, a disk problem, even a bug in derive) is printed as a message by cli.guarded, and the
    watch goes on."""
    from .cli import guarded

    err = err or sys.stderr
    files = [Path(p) for p in paths]
    last = None
    try:
        while not until():
            stamp = _stamp(files)
            if stamp != last:
                last = stamp
                status = guarded(action, err=err)
                if status == 130:
                    raise KeyboardInterrupt
                message = {0: "updated; waiting for changes (Ctrl-C to stop)",
                           1: "fix the file and save it; waiting for changes"}
                print(f"[watch] {message.get(status, 'failed; waiting for changes')}", file=err, flush=True)
            time.sleep(interval)
    except KeyboardInterrupt:
        print("[watch] stopped", file=err, flush=True)
    return 0
