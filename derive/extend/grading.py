"""A student's answers to the sheet, marked: each answer right, right given the student's own earlier answers
("follows"), or wrong, and then what the known mistakes (mistakes.py) say gave it: one mistake, two that give
the same value (ambiguous: never credited to either), or none known. Every answer is judged from the student's
own earlier answers, so a mistake is named where it was made and not again downstream."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import mpmath

from ..core import arrays
from .mistakes import Chain, Quantity, Slip, answer_name, answers, close, element, same_mistake

RIGHT, FOLLOWS, MISTAKE, AMBIGUOUS, UNKNOWN = "right", "follows", "mistake", "ambiguous", "unknown"


@dataclass
class Verdict:
    """One answer: what the student wrote, the right value, and what it is."""

    name: str                    # as the answers file names it: "dloss/da", "dL/dW1[0, 1]"
    quantity: Quantity
    index: tuple
    given: object
    right: object
    status: str
    slips: list[Slip] = field(default_factory=list)
    cause: "Verdict | None" = None      # FOLLOWS: the earlier wrong answer it follows from

    @property
    def step(self) -> str:
        """The sheet's question it belongs to: forward, local, backward, gradient, update."""
        return self.quantity.kind if self.quantity.kind != "adjoint" else "adjoint"


def quantities_given(chain: Chain, answers_by_name: dict) -> dict:
    """A student's answers by quantity: a scalar as a number, a tensor as an array with None where blank."""
    given: dict = {}
    for q, index in answers(chain):
        value = answers_by_name.get(answer_name(chain, q, index))
        if value is None:
            continue
        if index:
            if q not in given:
                given[q] = arrays.np.full(arrays.shape_of(chain.right[q]), None, dtype=object)
            given[q][index] = mpmath.mpf(str(value))
        else:
            given[q] = mpmath.mpf(str(value))
    return given


def acts_at(slip: Slip, q: Quantity) -> bool:
    """Whether a slip changes how `q` is computed from the quantities before it (a local derivative's slip also
    changes the adjoint that multiplies by it)."""
    if slip.site == q:
        return True
    return slip.site.kind == "local" and q == Quantity("adjoint", slip.site.parent)


def grade(chain: Chain, answers_by_name: dict, tolerance: float, floors=0) -> list[Verdict]:
    """Every answer the student gave, in the order of the sheet, marked within `tolerance` (relative) or the
    quantity's absolute floor (`floors`: a number, or one per quantity)."""
    given = quantities_given(chain, answers_by_name)
    own = chain.values(given=given)
    with_slip = {slip: chain.values([slip], given=given) for slip in chain.slips}
    verdicts: list[Verdict] = []
    for q, index in answers(chain):
        name = answer_name(chain, q, index)
        if name not in answers_by_name or answers_by_name[name] is None:
            continue
        g = mpmath.mpf(str(answers_by_name[name]))
        floor = floors[q] if isinstance(floors, dict) else floors
        right = element(chain.right[q], index)
        v = Verdict(name, q, index, g, right, RIGHT)
        verdicts.append(v)
        if close(g, right, tolerance, floor):
            continue
        if close(g, element(own[q], index), tolerance, floor):
            v.status, v.cause = FOLLOWS, next((w for w in reversed(verdicts[:-1]) if w.status in
                                                (MISTAKE, AMBIGUOUS, FOLLOWS, UNKNOWN)), None)
            continue
        here = [s for s in chain.slips if acts_at(s, q) and _matches(with_slip[s][q], index, g, tolerance, floor)]
        if not here:
            acting = [s for s in chain.slips if acts_at(s, q)]
            here = [pair for pair in combinations(acting, 2)
                    if _matches(chain.values(list(pair), given=given)[q], index, g, tolerance, floor)]
            if len(here) == 1:
                v.status, v.slips = MISTAKE, list(here[0])
                continue
            here = [s for pair in here for s in pair]
        if not here:           # a mistake made where no answer shows it (an earlier blank left empty)
            here = [s for s, values in chain.mistaken.items() if _matches(values[q], index, g, tolerance, floor)]
        v.slips = here
        v.status = MISTAKE if here and same_mistake(here) else AMBIGUOUS if here else UNKNOWN
    return verdicts


def _matches(value, index, g, tolerance, floor) -> bool:
    v = element(value, index)
    return v is not None and close(v, g, tolerance, floor)


def first_departure(verdicts: list[Verdict]) -> Verdict | None:
    """The first answer, in the order of the sheet, where the student's work departs from the right one."""
    return next((v for v in verdicts if v.status != RIGHT), None)
