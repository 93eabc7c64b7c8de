"""The common wrong answers of a gradient exercise, for the people who mark it: per partial derivative, the
values the known mistakes give (extend/mistakes.py) with the sentence that names each, for a Moodle field's
feedback and for the answer key; a value two mistakes give is listed as such, never credited to one."""
from __future__ import annotations

from dataclasses import dataclass, field

import mpmath

from ...core.arrays import indices
from ...core.i18n import Listing, t
from ...extend.mistakes import Chain, Quantity, element, wrong_values
from ...model.derivation import Derivation, index_text
from .doc import Heading, M, Para, Table, rich
from .mathtex import name


@dataclass
class Feedback:
    """One answer's right value and its known wrong ones: (value, sentence) each, the ambiguous ones with every
    sentence that gives them."""

    right: object
    wrong: list = field(default_factory=list)
    ambiguous: list = field(default_factory=list)


STEP = "@1"        # a key's suffix for a parameter after the first training step: ("w@1", index)


def table(d: Derivation, lang: str, tolerance: float, floor=0, step_floor=0) -> dict[tuple[str, tuple], Feedback]:
    """(input, element) -> its Feedback, for every element of the gradient the exercise asks; with a training
    step (SGD), also ("input@1", element) for each parameter after it."""
    if d.exercise.kind != "gradient":
        return {}
    chain = Chain(d)
    out = {}
    for x in d.exercise.wrt:
        for q, key, f in ((Quantity("adjoint", x), x, floor), (Quantity("step", x), x + STEP, step_floor)):
            if q not in chain.right:
                continue
            value = chain.right[q]
            for index in indices(getattr(value, "shape", ())):
                found = Feedback(element(value, index))
                for w in wrong_values(chain, q, index, tolerance, f):
                    said = [s.message.say(lang) for s in w.slips]
                    if not w.ambiguous:                  # one mistake in two forms: said as one, both ways
                        said = [Listing(said, "list_or").say(lang)]
                    (found.ambiguous if w.ambiguous else found.wrong).append((w.value, said))
                out[(key, index)] = found
    return out


def key_blocks(d: Derivation, feedback: dict, lang: str) -> list:
    """The answer key's section: a table of each partial derivative's common wrong values and what gives each."""
    rows = []
    for (x, index), f in feedback.items():
        label = M(rf"{{{name(x[:-len(STEP)])}}}'{_sub(index)}" if x.endswith(STEP) else
                  rf"\partial {name(d.target)}/\partial {{{name(x)}}}{_sub(index)}")
        for value, said in f.wrong:
            rows.append([[label], [M(_number(value))], [t(lang, "k_mistake", mistake=said[0])]])
        for value, said in f.ambiguous:
            rows.append([[label], [M(_number(value))], [t(lang, "k_ambiguous", mistakes=Listing(said, "list_semicolon"))]])
    if not rows:
        return []
    header = [[t(lang, "k_col_answer")], [t(lang, "k_col_value")], [t(lang, "k_col_mistake")]]
    return [Heading(2, [t(lang, "k_mistakes")]), Para(rich(t(lang, "k_mistakes_text"))), Table(header, rows, "lrp")]


def _sub(index: tuple) -> str:
    return "" if not index else "_{" + ",".join(map(str, index)) + "}"


def _number(value) -> str:
    """A wrong value in the key: an integer as it is, else 4 significant digits (10^k for large and small)."""
    value = mpmath.mpf(value)
    if value == int(value) and abs(value) < 10**6:
        return str(int(value))
    text = mpmath.nstr(value, 4, min_fixed=-4, max_fixed=6)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def answer_label(d: Derivation, x: str, index: tuple) -> str:
    """An answer's name in plain text: ∂loss/∂a, ∂L/∂W1[0, 1]."""
    return f"∂{d.target}/∂{x}{index_text(index)}"

