"""`report --watch`: re-render when an exercise file changes; a broken file prints its error and waits."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

from .exits import guarded
from ..core.i18n import t


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
          until: Callable[[], bool] = lambda: False, err=None, language: Callable[[], str] = lambda: "en",
          debug: bool = False) -> int:
    """Run `action` now and after every change to `paths`, until Ctrl-C (or `until()`): every failure
    (bad input, a disk problem, even a bug in derive) is printed as a message by exits.guarded, in the language
    `language()` finds (and with --debug, a bug's traceback), and the watch goes on."""
    err = err or sys.stderr
    files = [Path(p) for p in paths]
    last = None
    said = {0: "w_updated", 1: "w_fix"}
    try:
        while not until():
            stamp = _stamp(files)
            if stamp != last:
                last = stamp
                status = guarded(action, debug, err=err, language=language)
                if status == 130:
                    raise KeyboardInterrupt
                print(f"[watch] {t(language(), said.get(status, 'w_failed'))}", file=err, flush=True)
            time.sleep(interval)
    except KeyboardInterrupt:
        print(f"[watch] {t(language(), 'w_stopped')}", file=err, flush=True)
    return 0
