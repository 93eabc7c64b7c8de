"""Shared helpers: build an exercise from a few lines, and differentiate it."""
from __future__ import annotations

import pytest
from hypothesis import settings

from derive.engine import derive
from derive.model.exercise import loads

settings.register_profile("default", max_examples=40, deadline=None)
settings.load_profile("default")


def exercise_text(values: dict, formulas: dict, of: str | None = None, wrt: list | None = None) -> str:
    lines = ['kind = "gradient"', "[values]"]
    lines += [f"{_key(k)} = {v}" for k, v in values.items()]
    lines.append("[formulas]")
    lines += [f"{_key(k)} = '{v}'" for k, v in formulas.items()]
    if of or wrt:
        lines.append("[gradient]")
        if of:
            lines.append(f'of = "{of}"')
        if wrt:
            lines.append("wrt = [" + ", ".join(f'"{w}"' for w in wrt) + "]")
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    """A TOML key: bare when ASCII, quoted otherwise (TOML's bare keys are ASCII only)."""
    return name if name.isascii() else f'"{name}"'


def differentiate(values: dict, formulas: dict, of: str | None = None, wrt: list | None = None):
    """The Derivation of a small exercise given as dicts of TOML values and formula texts."""
    return derive(loads(exercise_text(values, formulas, of, wrt)))


@pytest.fixture
def seed():
    from derive.model.exercise import load

    return derive(load("ejercicio2"))


# -- the hang watchdog ---------------------------------------------------------------------------------
# No test asserts a duration (a busy machine would fail it): a hang is what this catches instead. A test that
# runs past HANG_SECONDS dumps every thread's stack and ends the run (faulthandler's thread, not SIGALRM, which
# derive's own time limits use). The slowest test takes about 40 s alone on two cores.
HANG_SECONDS = 600


@pytest.fixture(autouse=True)
def _hang_watchdog():
    import faulthandler

    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()
