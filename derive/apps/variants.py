"""Exercise variants for a class: values drawn reproducibly from the file's ranges, each checked (no kink,
no domain error, nothing lost to rounding, a distinct answer) and redrawn until good, in parallel."""
from __future__ import annotations

import dataclasses
import importlib
import multiprocessing
import os
import random
import re
from dataclasses import dataclass
from decimal import Decimal

import mpmath
import sympy as sp

from ..core import arrays
from .. import pipeline
from ..core.errors import DeriveError, Spot
from ..core.tomltext import comment_text, toml_basic, toml_key
from ..core.i18n import CATALOGS, LANGS, Listing, Msg, t
from ..checks.diagnose import float_diagnostics
from ..checks.numeric import TOL, check_gradients
from ..checks.solvers import study
from ..core.budget import known
from ..core.parser import parse
from ..extend.fairness import branches
from ..model.derivation import decimal
from ..model.exercise import Source, loads, title_for
from ..model.system import Equation, System, analyse
from ..outputs.report import gradient, html, linear, markdown, stem_of, student, tensor
from ..outputs.report import mistakes, moodle
from ..outputs.report import tex as tex_report
from ..outputs.report.doc import Heading
from ..outputs.report.markdown import portable, text as md_text
from ..outputs.report.mathtex import name, short, tex
from ..outputs.report.tex import PREAMBLE, text as tex_text, unicode_declarations

GRADIENT_LIMITS = {"max_abs_value": 1e6, "max_attempts": 50, "allow_zero_gradient": False, "min_abs_answer": 0.0,
                   "same_branches": True, "require": []}
SYSTEM_LIMITS = {"max_condition": 30.0, "max_attempts": 50, "coefficients": None, "solution": None}
MAX_ATTEMPTS = 1_000        # draws per variant a file may ask for
MAX_DRAWS = 100_000         # draws in one run, whatever -n and max_attempts ask (a `require` that never holds
                            # ends here, in minutes, not never)


@dataclass
class Variant:
    """One accepted variant: its number, the exercise with plain values, and its answers."""

    number: int
    exercise: object
    answers: dict[str, sp.Expr]         # wrt -> exact gradient, or unknown -> exact solution
    decimals: dict[str, str]
    statement: str = ""                 # Markdown of the statement (student sheet)
    solution: str = ""                  # Markdown of the worked solution (answer key)
    statement_tex: str = ""
    solution_tex: str = ""
    question_html: str = ""             # the statement alone, HTML with TeX math (a Moodle question)
    solution_html: str = ""             # the worked solution, the same way (its general feedback)
    mistakes: dict = dataclasses.field(default_factory=dict)   # (input, element) -> mistakes.Feedback

    def elements(self, x: str) -> list[tuple[tuple[int, ...], mpmath.mpf]]:
        """Each element of the answer for x, with its index (() for a scalar)."""
        value = self.decimals[x]
        shape = value.shape if isinstance(value, arrays.np.ndarray) else ()
        return [(index, mpmath.mpf(v)) for index, v in zip(arrays.indices(shape), arrays.flat(value))]


# -- the [variants] table ---------------------------------------------------------------------------

def limits(ex) -> dict:
    """The constraints of the file's [variants] table, with defaults, checked."""
    allowed = GRADIENT_LIMITS if ex.kind == "gradient" else SYSTEM_LIMITS
    table = ex.variants if ex.kind == "gradient" else ex.system.variants
    out = dict(allowed)
    for key, value in table.items():
        spot = ex.source.spot("variants", key)
        if key not in allowed:
            raise DeriveError(Msg("err_variants_setting", name=f'{key!r}'), spot, Msg("err_settings_fix", names=', '.join(allowed)))
        if key in ("coefficients", "solution"):
            if not (isinstance(value, dict) and set(value) == {"min", "max"}
                    and all(type(v) is int for v in value.values()) and value["min"] <= value["max"]):
                raise DeriveError(Msg("err_int_range", key=key), spot)
        elif key in ("allow_zero_gradient", "same_branches"):
            if not isinstance(value, bool):
                raise DeriveError(Msg("err_true_false", key=key), spot)
        elif key == "require":
            from ..extend.fairness import conditions

            value = conditions(ex, value)
        elif isinstance(value, bool) or not isinstance(value, (int, Decimal)) \
                or (isinstance(value, Decimal) and not value.is_finite()) or value <= 0:
            raise DeriveError(Msg("err_positive", key=key), spot)
        out[key] = value if key in ("coefficients", "solution", "allow_zero_gradient", "same_branches", "require") \
            else float(value)
    if out["max_attempts"] > MAX_ATTEMPTS or out["max_attempts"] != int(out["max_attempts"]):
        raise DeriveError(Msg("err_max_attempts", n=MAX_ATTEMPTS),
                          ex.source.spot("variants", "max_attempts"),
                          Msg("err_max_attempts_fix"))
    out["max_attempts"] = int(out["max_attempts"])
    if ex.kind == "gradient":
        point = _at_point(ex)
        out["branches"] = _branches(point) if out["same_branches"] else None
        out["zeros"] = _zeros(ex, point)
    return out


def _at_point(ex):
    """The derivation at the file's own point (numeric pass only), or None where it cannot be made."""
    try:
        return pipeline.compute(ex, pipeline.Options(checks=False, exact=False, training=False)).derivation
    except DeriveError:
        return None


def _branches(d):
    """The branches of max, min, abs, relu at the file's own point (None when it sits on a kink: then a
    branch cannot be told, and variants are not held to one)."""
    return None if d is None or d.kinks else branches(d)


def _zeros(ex, d) -> set:
    """The gradient elements that are 0 at the file's own point: a dead unit is part of the exercise, so a
    variant may have them 0 too."""
    if d is None:
        return set()
    return {(x, index) for x in ex.wrt
            for index, v in zip(arrays.indices(ex.shape(x)), arrays.flat(d.gradients[x].value)) if v == 0}


DEGENERATE = 1e-6      # a gradient whose every element is below this share of the loss's scale teaches nothing


# -- drawing -----------------------------------------------------------------------------------------

def _zero_reason(ex, d, zeros: set) -> str | None:
    """Why a draw's gradient is no exercise, or None: a whole gradient identically 0 ("zero gradient"), an element
    0 that is not 0 at the file's point ("zero element"), or every element of a gradient below DEGENERATE of the
    loss's scale ("degenerate gradient")."""
    scale = max(1.0, abs(float(d.nodes[d.target].value)))
    for x in ex.wrt:
        elements = list(zip(arrays.indices(ex.shape(x)), arrays.flat(d.gradients[x].value)))
        if all(v == 0 for _, v in elements):
            return "zero gradient"
        if any(v == 0 and (x, index) not in zeros for index, v in elements):
            return "zero element"
        if all(abs(v) < DEGENERATE * scale for _, v in elements):
            return "degenerate gradient"
    return None


def _gradient_draw(ex, rng: random.Random) -> dict:
    return {name: rng.choice(r.choices) if not r.shape else
            arrays.drawn(r.shape, lambda: rng.choice(r.choices)) for name, r in ex.ranges.items()}


def _system_draw(ex, rng: random.Random, lim: dict) -> tuple:
    system = ex.system
    coef = lim["coefficients"] or {"min": -5, "max": 5}
    sol = lim["solution"] or {"min": -5, "max": 5}
    nonzero = [v for v in range(coef["min"], coef["max"] + 1) if v != 0] or [1]
    A = [[0 if system.A[i, j] == 0 else rng.choice(nonzero) for j in range(system.A.cols)]
         for i in range(system.A.rows)]
    x = [rng.randint(sol["min"], sol["max"]) for _ in system.unknowns]
    return A, x


def build(ex, draw):
    """The candidate exercise of one draw. Draws are plain data, so they cross to worker processes
    intact (an exercise would not: unpickling re-evaluates the formulas as written)."""
    if ex.kind == "gradient":
        return dataclasses.replace(ex, values={**ex.values, **draw}, ranges={})

    system = ex.system
    A, x = sp.Matrix(draw[0]), sp.Matrix(draw[1])
    b = A * x
    equations = [_equation_text(A.row(i), b[i], system.unknowns) for i in range(A.rows)]
    parsed = [Equation(e, parse(e.split("=")[0]).expr, parse(e.split("=")[1]).expr) for e in equations]
    new = System(list(system.unknowns), parsed, A, b, system.solver, {})
    return dataclasses.replace(ex, system=new)


def _equation_text(row, rhs, unknowns) -> str:
    terms = []
    for c, u in zip(row, unknowns):
        if c == 0:
            continue
        sign = "-" if c < 0 else "+"
        size = "" if abs(c) == 1 else str(abs(c))
        terms.append((sign, f"{size}{u}"))
    text = "".join(f" {s} {t}" if i else (f"-{t}" if s == "-" else t) for i, (s, t) in enumerate(terms))
    return f"{text} = {rhs}"


def draws(ex, seed: int, lim: dict):
    """An endless, reproducible stream of draws (values, or a matrix and a solution)."""
    rng = random.Random(seed)
    while True:
        yield _gradient_draw(ex, rng) if ex.kind == "gradient" else _system_draw(ex, rng, lim)


# -- checking ----------------------------------------------------------------------------------------

BAD_WARNINGS = ("saturation", "rounds-to-zero", "overflow", "float32-underflow", "cancellation", "kink")


def examine(ex, lim: dict):
    """(answers, decimals, None, results) for a good candidate, or (None, None, reason, None); `results`
    are what the report's sections are built from, so a good candidate is computed only once."""
    if ex.kind == "gradient":
        return _examine_gradient(ex, lim)
    return _examine_system(ex, lim)


def _reject(reason: str):
    return None, None, reason, None


def _examine_gradient(ex, lim):
    d, reason = screen(ex, lim)
    if reason:
        return _reject(reason)
    checks = check_gradients(d)
    bad = [w.code for w in checks.warnings if w.code in BAD_WARNINGS]
    if bad:
        return _reject(bad[0])
    for c in checks.checks.values():
        if c.exact is None or not (c.errors["float32"] is not None and c.errors["float32"] <= TOL["float32"]
                                   and (c.fd is None or c.errors["central"] is not None
                                        and c.errors["central"] <= TOL["finite_differences"])):
            return _reject("unresolved")
    answers = {x: d.gradients[x].exact for x in ex.wrt}
    return answers, {x: _decimals(d.gradients[x].value) for x in ex.wrt}, None, (d, checks)


def _decimals(value):
    """30-digit decimal text of a gradient: a string, or an array of strings in a tensor's shape."""
    if not isinstance(value, arrays.np.ndarray):
        return decimal(value)
    out = arrays.np.empty(value.shape, dtype=object)
    for index in arrays.indices(value.shape):
        out[index] = decimal(value[index])
    return out


def _listed(v: Variant, x: str, digits: int) -> str:
    """A gradient to `digits` significant digits, as LaTeX: a number, a vector in brackets, a matrix as one."""
    value = v.decimals[x]
    if not isinstance(value, arrays.np.ndarray):
        return short(v.elements(x)[0][1], digits)
    return as_matrix(arrays.np.array([short(e, digits) for _, e in v.elements(x)], dtype=object).reshape(value.shape))


def as_matrix(shown) -> str:
    """Elements already written as LaTeX, in their shape: [a, b] for a vector, a pmatrix for a matrix (rows ended
    by \\cr, which Markdown on GitHub, KaTeX and LaTeX all read)."""
    if shown.ndim == 1:
        return r"\left[" + ", ".join(shown) + r"\right]"
    if shown.ndim == 2:
        return r"\begin{pmatrix}" + r" \cr ".join(" & ".join(row) for row in shown) + r"\end{pmatrix}"
    return r"\left[" + ", ".join(as_matrix(part) for part in shown) + r"\right]"


def screen(ex, lim, exact: bool = True):
    """(derivation, None) for a candidate that passes everything but torch's checks, or (None, reason):
    a domain error, a kink, a value beyond max_abs_value, a float64/float32 problem (NumPy's floats), an
    answer without an exact form, a gradient that is no exercise (_zero_reason), one smaller than
    min_abs_answer."""
    if exact and (lim.get("branches") is not None or lim.get("require")):
        _, reason = screen(ex, lim, exact=False)      # fairness first, by the numeric pass alone (cheap)
        if reason:
            return None, reason
    try:
        d = pipeline.compute(ex, pipeline.Options(checks=False, exact=exact, training=False)).derivation
    except DeriveError:
        return None, "domain"
    if d.kinks or any(mpmath.isnan(v) for a in d.adjoints.values() if a.value is not None
                      for v in arrays.flat(a.value)):
        return None, "kink"             # a tie in a pooling window or a max over a dimension: no derivative
    if lim.get("branches") is not None:
        from ..extend.fairness import branches

        if branches(d) != lim["branches"]:
            return None, "another branch"
    failed = next((c.text for c in lim.get("require", []) if not c.holds(d)), None)
    if failed:
        return None, f"require {failed}"
    if any(abs(v) > lim["max_abs_value"] for n in d.nodes.values() for v in arrays.flat(n.value)):
        return None, "max_abs_value"
    bad = [w.code for w in d.warnings + float_diagnostics(d) if w.code in BAD_WARNINGS]
    if bad:
        return None, bad[0]
    answers = {x: d.gradients[x].exact if exact else d.gradients[x].value for x in ex.wrt}
    if exact and not all(known(a) for a in answers.values()):
        return None, "too large"
    if not lim["allow_zero_gradient"]:
        reason = _zero_reason(ex, d, lim.get("zeros", set()))
        if reason:
            return None, reason
    if lim["min_abs_answer"] and any(abs(v) < lim["min_abs_answer"] for x in ex.wrt
                                     for v in arrays.flat(d.gradients[x].value)):
        return None, "min_abs_answer"
    return d, None


def sample_screen(ex, count: int = 20, seed: int = 0) -> dict[str, int]:
    """How `count` draws from the file's ranges fare (reason -> how many; "ok" for the good ones): what
    `check` reports about the ranges, without torch."""
    lim = limits(ex)
    out: dict[str, int] = {}
    stream = draws(ex, seed, lim)
    for _ in range(count):
        _, reason = screen(build(ex, next(stream)), lim, exact=False)
        key = (reason or "ok").split(":")[0]
        out[key] = out.get(key, 0) + 1
    return out


def _examine_system(ex, lim):
    a = analyse(ex.system)
    if a.classification != "unique":
        return _reject("singular")
    if a.condition_number > lim["max_condition"]:
        return _reject("max_condition")
    return dict(a.exact), {u: str(v) for u, v in a.exact.items()}, None, (a, study(ex.system, a))


# -- rendering one variant ---------------------------------------------------------------------------

_MARK = "@@variant-{}@@"          # the variant's number is known only once it is accepted


def render(index: int, ex, results: tuple, lang: str) -> tuple[tuple[str, ...], dict]:
    """The statement and the worked solution of one candidate, from what `examine` computed, in
    Markdown and LaTeX; the bare statement and the solution in HTML for a Moodle question; and the common
    wrong answers (a gradient's, for the Moodle fields' feedback and the key's list)."""
    feedback = {}
    if ex.kind == "gradient":
        report = (tensor if ex.tensor else gradient).build(f"v{index}", "", *results, lang, compact=True)
        sheet = student.build(f"v{index}", "", results[0], lang, compact=True).blocks[1:]   # the questions
        d = results[0]
        rights = [mpmath.mpf(v) for x in ex.wrt for v in arrays.flat(d.gradients[x].value)]
        stepped = [mpmath.mpf(v) for x in ex.wrt for v in arrays.flat(d.nodes[x].value)]
        feedback = mistakes.table(d, lang, KEY_TOLERANCE, moodle.floor_of(rights, KEY_TOLERANCE),
                                  moodle.floor_of(stepped, KEY_TOLERANCE))
        report.blocks += mistakes.key_blocks(d, feedback, lang)
    else:
        report = linear.build(f"v{index}", "", ex.system, *results, lang, compact=True)
        sheet = None
    cut = next(i for i, b in enumerate(report.blocks[1:], 1) if isinstance(b, Heading) and b.level == 2)
    for b in report.blocks + (sheet or []):
        if isinstance(b, Heading):
            b.level += 1
    title = Heading(2, [t(lang, "v_variant", number=_MARK.format(index))])
    statement = [title] + (sheet if sheet is not None else report.blocks[1:cut])
    solution = [title] + report.blocks[1:]
    md = lambda blocks: "\n\n".join(markdown.block(b, report) for b in blocks)
    tx = lambda blocks: "\n\n".join(x for x in (tex_report.block(b) for b in blocks) if x)
    web = lambda blocks: "\n".join(x for x in (html.block(b, None, html.tex_math) for b in blocks) if x)
    question = [b for b in report.blocks[1:cut] if not student.solution_hint(b, lang)]
    return (md(statement), md(solution), tx(statement), tx(solution), web(question), web(report.blocks[1:])), feedback


# -- the whole run -----------------------------------------------------------------------------------

_JOB: dict = {}


SAME = "same answer as another variant"


def _key(answers) -> tuple | None:
    return tuple(sp.srepr(v) for v in answers.values()) if answers else None


def _work(item):
    """Examine one draw and, when it is good and its answer not among those already accepted (`seen`),
    write its statement and solution."""
    index, draw, seen = item
    candidate = build(_JOB["exercise"], draw)
    answers, decimals, reason, results = examine(candidate, _JOB["limits"])
    if reason is None and _key(answers) in seen:
        reason = SAME
    texts, feedback = render(index, candidate, results, _JOB["lang"]) if reason is None else (None, {})
    return index, answers, decimals, reason, texts, feedback


def distinct_estimate(counts: dict) -> tuple[float, float]:
    """How many distinct answers the ranges give, from how often each was drawn (Chao1: the observed ones plus
    f1²/2f2, f1 and f2 the answers drawn once and twice), and its standard deviation."""
    f1 = sum(1 for c in counts.values() if c == 1)
    f2 = sum(1 for c in counts.values() if c == 2)
    if f2 == 0:                  # the bias-corrected form; with no answer drawn twice, no confidence beyond it
        extra = f1 * (f1 - 1) / 2
        return len(counts) + extra, extra + f1
    r = f1 / f2
    return len(counts) + f1 * f1 / (2 * f2), (f2 * (r ** 4 / 4 + r ** 3 + r ** 2 / 2)) ** 0.5


def new_answers_ahead(counts: dict, attempts: int, left: int) -> float:
    """How many new answers the `left` draws still allowed could bring, at most, in all likelihood: the good draws
    they would give at the rate so far, each new with the chance Good-Turing gives the unseen (the answers drawn
    once, over the good draws; at least 3 of them, the rule of three's bound when none was drawn once), a chance
    that only falls as draws go on; plus two standard deviations."""
    good = sum(counts.values())
    if not good:
        return float("inf")
    once = sum(1 for c in counts.values() if c == 1)
    expected = left * good / attempts * max(once, 3) / good
    return expected + 2 * expected ** 0.5


def _pool(workers: int):
    if workers <= 1:
        return None
    importlib.import_module("torch")     # imported before the fork, so the workers start warm
    return multiprocessing.get_context("fork").Pool(workers, initializer=_one_thread)


def _one_thread():
    import torch

    torch.set_num_threads(1)


def draw(ex, n: int, seed: int, lang: str, workers: int | None = None, progress=None) -> tuple[list[Variant], dict]:
    """n distinct good variants, the same for the same file, n and seed whatever the number of workers.
    Candidates are examined in parallel in batches and accepted strictly in the order they were drawn."""
    if ex.kind not in ("gradient", "linear-system"):
        raise DeriveError(Msg("err_variants_kind", kind=f'{ex.kind!r}'))
    if ex.kind == "gradient" and not ex.ranges:
        raise DeriveError(Msg("err_no_ranges"), _table_spot(ex),
                          Msg("err_ranges_hint"))
    lim = limits(ex)
    _JOB.update(limits=lim, lang=lang, exercise=ex)
    workers = workers or min(os.cpu_count() or 1, max(1, n))
    stream = draws(ex, seed, lim)
    accepted: list[Variant] = []
    counts: dict = {}                     # each good answer -> how many draws gave it
    rejected: dict[str, int] = {}
    attempts = 0
    pool = _pool(workers)
    try:
        while len(accepted) < n:
            _enough_tried(ex, n, accepted, counts, rejected, attempts, lim)
            size = max(2 * (n - len(accepted)), workers)
            seen = frozenset(counts)
            batch = [(attempts + i, next(stream), seen) for i in range(size)]
            attempts += size
            results = pool.map(_work, batch) if pool else [_work(item) for item in batch]
            for (index, draw, _), (_, answers, decimals, reason, texts, feedback) in zip(batch, results):
                if len(accepted) == n:
                    break
                key = _key(answers)
                if reason in (None, SAME):
                    counts[key] = counts.get(key, 0) + 1
                    if counts[key] > 1:
                        reason = SAME
                if reason is not None:
                    code = reason
                    rejected[code] = rejected.get(code, 0) + 1
                    continue
                number = len(accepted) + 1
                accepted.append(Variant(number, build(ex, draw), answers, decimals,
                                        *(text.replace(_MARK.format(index), str(number)) for text in texts),
                                        mistakes=feedback))
            if progress:
                progress(len(accepted), n)
    finally:
        if pool:
            pool.close()
            pool.join()
    return accepted, {"examined": len(accepted) + sum(rejected.values()), "rejected": rejected}


def _enough_tried(ex, n: int, accepted: list, counts: dict, rejected: dict, attempts: int, lim: dict):
    """Stop, saying why, after max_attempts draws per variant, or sooner when the answers drawn so far show that
    the draws left would not bring the new answers still missing (new_answers_ahead), saying how many distinct
    answers the ranges seem to give (distinct_estimate)."""
    cap = min(lim["max_attempts"] * n, MAX_DRAWS)
    few = sum(counts.values()) >= 30 and len(accepted) + new_answers_ahead(counts, attempts, cap - attempts) < n
    if attempts < cap and not few:
        return
    estimate, _ = distinct_estimate(counts)
    found = dict(accepted=len(accepted), n=n, draws=attempts, reasons=summary(rejected))
    if few:
        raise DeriveError(Msg("err_variants_distinct", estimate=round(estimate), **found), _table_spot(ex),
                          Msg("err_variants_distinct_fix", accepted=len(accepted)))
    common = max(rejected, key=rejected.get, default=None)
    raise DeriveError(Msg("err_variants_few", **found), _table_spot(ex), Msg(FEW_HINTS.get(common, "err_variants_few_fix")))


FEW_HINTS = {      # the most common reason for refusing draws -> what changes it
    "another branch": "err_variants_branch_fix", "zero element": "err_variants_zero_element_fix",
    "zero gradient": "err_variants_zero_gradient_fix", "kink": "err_variants_kink_fix",
    "degenerate gradient": "err_variants_degenerate_fix",
}


def _table_spot(ex) -> Spot:
    """The table that sets the draws: [variants], else [values] (a linear system: its equations), else the file."""
    source = getattr(ex, "source", None)
    for table in ("variants", "values", "equations"):
        spot = source.spot("", table) if source is not None else Spot(ex.path)
        if spot.line:
            return spot
    return Spot(ex.path)


def reason_msg(code: str) -> Msg:
    """A reason code as said: its rej_* entry, "require <condition>" with the file's condition, a setting's name
    (max_abs_value) as it is written."""
    if code.startswith("require "):
        return Msg("rej_require", condition=code.removeprefix("require "))
    key = "rej_" + re.sub(r"[ -]", "_", code)
    return Msg(key) if key in CATALOGS["en"] else Msg("rej_setting", name=code)


def summary(rejected: dict) -> Msg | Listing:
    """The reasons for refusing draws with their counts, the most common first ("another branch 13, kink 1")."""
    counted = sorted(rejected.items(), key=lambda kv: -kv[1])
    if not counted:
        return Msg("rej_none")
    return Listing(Msg("rej_counted", reason=reason_msg(k), count=v) for k, v in counted)


# -- files ---------------------------------------------------------------------------------------------

def _toml_value(v: sp.Expr) -> str:
    """An exact value as TOML: an integer, a terminating decimal, or a string such as "1/3"; a tensor as nested
    arrays of those."""
    if isinstance(v, arrays.np.ndarray):
        return "[" + ", ".join(_toml_value(e) for e in v) + "]"
    if v.is_Integer:
        return str(v)
    if v.is_Rational and set(sp.factorint(v.q)) <= {2, 5}:
        return str(Decimal(int(v.p)) / Decimal(int(v.q)))
    return f'"{v}"'


def _toml_string(text: str) -> str:
    """A TOML string: a literal string where it may be one (formulas keep their backslashes readable), else a
    basic string with every escape TOML needs (quotes, backslashes, newlines, every control character)."""
    if "'" not in text and not any(ord(c) < 32 or c == "\x7f" for c in text):
        return f"'{text}'"
    return toml_basic(text)


def exercise_toml(v: Variant, title: str, lang: str) -> str:
    """The variant as its own exercise file, with plain values: runnable with gradients, solve, report."""
    ex = v.exercise

    lines = ["# " + t(lang, "v_drawn_comment", number=v.number, file=comment_text(os.path.basename(ex.path))),
             f"title = {_toml_string(title)}", f'kind = "{ex.kind}"', f'lang = "{lang if lang in LANGS else "en"}"']      # the pseudo-language is no exercise's
    if ex.kind == "gradient":
        lines += ["", "[values]"] + [f"{toml_key(k)} = {_toml_value(val)}" for k, val in ex.values.items()]
        lines += ["", "[formulas]"] + [f"{toml_key(k)} = {_toml_string(f.text)}" for k, f in ex.formulas.items()]
        lines += ["", "[gradient]", f"of = {toml_basic(ex.target)}",
                  "wrt = [" + ", ".join(toml_basic(x) for x in ex.wrt) + "]"]
        if ex.step is not None:                  # the training step is part of the exercise
            step = ex.step
            lines += ["", "[step]", f"learning_rate = {_toml_value(step.learning_rate)}", f"steps = {step.steps}",
                      f"update = {toml_basic(step.update)}"]
            lines += [f"momentum = {_toml_value(step.momentum)}"] if step.update == "momentum" else []
    else:
        s = ex.system
        lines += ["unknowns = [" + ", ".join(toml_basic(u) for u in s.unknowns) + "]",
                  "equations = [" + ", ".join(_toml_string(e.text) for e in s.equations) + "]",
                  "", "[solver]", f'method = "{s.solver.method}"', f"tolerance = {s.solver.tolerance!r}",
                  f"max_iterations = {s.solver.max_iterations}"]
    return "\n".join(lines) + "\n"


def read_back(files: dict[str, str]) -> None:
    """Every exercise file a run writes, loaded as `derive` loads a file, before anything is published: one that
    derive cannot read is derive's own bug (exit 70), never a file handed to a teacher."""
    for name, text in files.items():
        if name.endswith(".toml"):
            try:
                loads(Source(name, text))
            except DeriveError as e:
                raise AssertionError(f"derive wrote {name} and cannot read it back: {e}") from None


def summary_md(variants: list[Variant], ex, lang: str) -> str:
    names = list(ex.ranges) if ex.kind == "gradient" else ["A", "b"]
    keys = list(variants[0].answers) if variants else []
    if ex.kind == "gradient":
        heads = [f"${name(k)}$" for k in names] + [f"$\\partial {name(ex.target)}/\\partial {name(x)}$" for x in keys]
    else:
        heads = [t(lang, "v_equations")] + [f"${name(u)}$" for u in keys]
    lines = ["| " + " | ".join([t(lang, "v_variant_col")] + heads) + " |", "|" + "---:|" * (len(heads) + 1)]
    for v in variants:
        if ex.kind == "gradient":
            given = [f"${_key_value(v.exercise.values[k])}$" for k in names]
            answers = [f"${portable(_key_value(v.answers[x]))}$" if all(e.is_Rational for e in arrays.flat(v.answers[x]))
                       else f"${portable(_key_value(v.answers[x]))} \\approx {_listed(v, x, 6)}$" for x in keys]
        else:
            given = ["; ".join(e.text for e in v.exercise.system.equations)]
            answers = [f"${tex(v.answers[u])}$" for u in keys]
        lines.append("| " + " | ".join([str(v.number)] + given + answers) + " |")
    if ex.kind == "gradient":
        met = []
        if ex.variants.get("same_branches", True):
            met.append(t(lang, "v_same_branches"))
        met += [f"`{c}`" for c in ex.variants.get("require", [])]
        if met:
            lines += ["", t(lang, "v_conditions") + " " + "; ".join(met) + "."]
    return "\n".join(lines) + "\n"


def documents(chosen: list[Variant], ex, lang: str, width: int) -> tuple[dict[str, str], dict[str, str]]:
    """The files of a run: each variant's exercise, the student sheet, the answer key and the summary
    (name -> text), and the LaTeX of the sheet and the key for their PDFs (name -> source)."""
    stem = stem_of(ex.path)
    title = title_for(ex, lang) or stem
    files = {f"{stem}-v{v.number:0{width}d}.toml":
             exercise_toml(v, f"{title} ({t(lang, 'v_variant', number=v.number)})", lang) for v in chosen}
    read_back(files)
    latex = {}
    for kind, intro, md, tx in (("students", "v_students_intro", "statement", "statement_tex"),
                                ("answers", "v_answers_intro", "solution", "solution_tex")):
        heading = t(lang, f"v_{kind}", title=title)
        files[f"{stem}-{kind}.md"] = "\n\n".join([f"# {md_text(heading)}", t(lang, intro)]
                                                  + [getattr(v, md) for v in chosen]) + "\n"
        body = "\n\n\\clearpage\n".join(getattr(v, tx) for v in chosen)
        latex[f"{stem}-{kind}.tex"] = (PREAMBLE + unicode_declarations(body) + "\\title{" + tex_text(heading)
                                       + "}\\date{}\n\\begin{document}\n\\maketitle\n" + tex_text(t(lang, intro))
                                       + "\n\n" + body + "\n\\end{document}\n")
    files[f"{stem}-summary.md"] = f"# {md_text(t(lang, 'v_summary', title=title))}\n\n" + summary_md(chosen, ex, lang)
    heading, rows, note = key_rows(chosen, ex, lang)
    files[f"{stem}-key.md"] = (f"# {md_text(t(lang, 'v_key', title=title))}\n\n{md_text(note)}\n\n"
                               + "| " + " | ".join(heading) + " |\n|" + "---:|" * len(heading) + "\n"
                               + "".join("| " + " | ".join(row) + " |\n" for row in rows))
    tables = "".join("\\begin{center}\n\\begin{longtable}{" + "r" * len(part) + "}\n\\toprule\n"
                     + " & ".join(heading[i] for i in part) + " \\\\\n\\midrule\n\\endhead\n"
                     + "".join(" & ".join(row[i] for i in part) + " \\\\[4pt]\n" for row in rows)
                     + "\\bottomrule\n\\end{longtable}\n\\end{center}\n" for part in column_groups(heading, rows))
    latex[f"{stem}-key.tex"] = (PREAMBLE + "\\title{" + tex_text(t(lang, "v_key", title=title)) + "}\\date{}\n"
                                "\\begin{document}\n\\maketitle\n" + tex_text(note) + "\n\n" + tables
                                + "\\end{document}\n")
    return files, latex


KEY_WIDTH = 70                  # about how many characters of a cell's text fit across one key table on A4


def column_groups(heading: list[str], rows: list[list[str]]) -> list[list[int]]:
    """The key's columns split into tables that each fit the page: every table repeats the variant's number, and
    the others follow in order until their widths (a cell's longest matrix row, roughly) fill the line."""
    def width(i: int) -> int:
        cells = [heading[i]] + [row[i] for row in rows]
        return max(max(len(re.sub(r"\\[a-z]+|[{}$]", "", line)) for line in cell.split(r"\cr")) for cell in cells)

    groups, current, used = [], [0], width(0)
    for i in range(1, len(heading)):
        if len(current) > 1 and used + width(i) > KEY_WIDTH:
            groups.append(current)
            current, used = [0], width(0)
        current.append(i)
        used += width(i)
    return groups + [current]


KEY_DIGITS = 4                  # significant digits of each answer in the short key
KEY_TOLERANCE = 0.01            # relative error a marker accepts


def key_rows(chosen: list[Variant], ex, lang: str) -> tuple[list[str], list[list[str]], str]:
    """The short answer key: per variant the values drawn and each answer to KEY_DIGITS significant digits,
    as inline math (the same text serves Markdown and LaTeX), and the sentence that states the tolerance."""
    names = list(ex.ranges) if ex.kind == "gradient" else []
    keys = list(chosen[0].answers) if chosen else []
    if ex.kind == "gradient":
        heading = [t(lang, "v_variant_col")] + [f"${name(k)}$" for k in names] + \
            [f"$\\partial {name(ex.target)}/\\partial {name(x)}$" for x in keys]
    else:
        heading = [t(lang, "v_variant_col")] + [f"${name(u)}$" for u in keys]
    rows = []
    for v in chosen:
        given = [f"${_key_value(v.exercise.values[k])}$" for k in names] if ex.kind == "gradient" else []
        answers = [f"${_listed(v, x, KEY_DIGITS) if ex.kind == 'gradient' else short(v.answers[x], KEY_DIGITS)}$"
                   for x in keys]
        rows.append([str(v.number)] + given + answers)
    note = t(lang, "v_key_note", digits=KEY_DIGITS, tolerance=f"{KEY_TOLERANCE:.0%}")
    return heading, rows, note


def _key_value(value) -> str:
    if isinstance(value, arrays.np.ndarray):
        return as_matrix(arrays.np.array([tex(v) for v in value.flat], dtype=object).reshape(value.shape))
    return tex(value)
