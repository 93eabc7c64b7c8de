"""The one path from a loaded exercise to every number a command shows, as coverage.py's one `Coverage` object is
for its commands: `gradients`, `report`, `variants`, `check` and the Python API all call `compute`. What a command
line adds (`--step`, `--exact-only`, a quick benchmark) comes in as `Options`, never written into the loaded
exercise, so the same exercise computed twice with different options gives two answers and changes nothing.

    exercise --compute(exercise, Options)--> Computed(exercise, stem, results)
        gradient:        (Derivation with training steps, Checks or None)
        linear-system:   (Analysis, Study)
        matmul-benchmark (Bench,)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from .checks.bench import Bench, read_saved, run as run_bench
from .checks.numeric import check_gradients
from .checks.solvers import study
from .core.errors import DeriveError
from .engine import derive
from .extend.training import train
from .model.stepspec import Step
from .model.system import analyse
from .core.i18n import Msg


@dataclass(frozen=True)
class Options:
    """What a command asks beyond the file: training steps replacing its [step] table (--step), torch's checks
    (off for `gradients --exact-only`, `check` and the draws of `variants`), exact forms (off where only the
    decimals are read), and the quick benchmark profile (off with --full-bench)."""

    step: Step | None = None
    checks: bool = True
    exact: bool = True
    training: bool = True
    quick_bench: bool = True
    measure: bool = False           # a benchmark measured again even where a stored run sits beside its file


@dataclass
class Computed:
    """An exercise (as computed: with the options' steps) and everything computed about it, shared by both
    languages and every format."""

    exercise: object
    stem: str
    results: tuple

    @property
    def derivation(self):
        return self.results[0] if self.exercise.kind == "gradient" else None

    @property
    def checks(self):
        return self.results[1] if self.exercise.kind == "gradient" else None


def stem_of(path: str) -> str:
    """A safe file-name stem from an exercise's path: letters, digits, '-', '_' and '.' only."""
    stem = re.sub(r"[^\w.-]", "_", Path(path).stem).strip(".") or "exercise"
    return stem[:80]


def stored_run(exercise):
    """The measurements saved beside a benchmark exercise (NAME.bench.json, what `derive bench NAME --json` prints),
    or None: a report shows them instead of timing again, so reporting twice gives the same files, and says so."""
    path = Path(exercise.path).with_suffix(".bench.json")
    if not path.is_file():
        return None
    bench = Bench.from_json([read_saved(path)])
    bench.stored = path.name
    return bench


def compute(exercise, options: Options = Options()) -> Computed:
    """Every number the exercise's commands show, computed once."""
    stem = stem_of(exercise.path)
    if exercise.kind == "gradient":
        if options.step is not None:
            exercise = replace(exercise, step=options.step)      # a copy: the loaded exercise stays as read
        d = derive(exercise, exact=options.exact)
        if exercise.step is not None and options.training:
            d.training = train(d, exercise.step)
        return Computed(exercise, stem, (d, check_gradients(d) if options.checks else None))
    if exercise.kind == "linear-system":
        analysis = analyse(exercise.system)
        return Computed(exercise, stem, (analysis, study(exercise.system, analysis)))
    if exercise.kind == "matmul-benchmark":
        stored = stored_run(exercise)
        if stored is not None and not options.measure and options.quick_bench == stored.quick:
            return Computed(exercise, stem, (stored,))
        return Computed(exercise, stem, (run_bench(exercise.spec, quick=options.quick_bench),))
    raise DeriveError(Msg("err_report_kind", kind=f'{exercise.kind!r}'))
