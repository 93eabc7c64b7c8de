"""Several outputs, or a tensor output, differentiated as backward(seed) does: the vector-Jacobian product
vᵀJ is the gradient of the one number ⟨v, Q⟩ = Σᵢ vᵢ Qᵢ. An exercise file says

    [gradient]
    of = ["Q1", "Q2"]          # several scalar formulas ...
    seed = [1, 1]
    of = "Q"                   # ... or one tensor formula, with a seed of its shape
    seed = [1, 1]

and derive adds that number as a formula of its own (named vjp), so every pass, check and report treats
it as any other target, and the walkthrough says what the seed means."""
from __future__ import annotations

from dataclasses import dataclass

from ..core import arrays
from ..core.budget import MAX_EXPONENT
from ..core.errors import DeriveError
from ..core.i18n import Msg


@dataclass
class Seed:
    outputs: list[str]            # the formulas differentiated (one tensor, or several scalars)
    value: object                 # the seed: a list of exact numbers, or an array of the output's shape
    target: str                   # the formula added: vjp = Σ seed · output
    input: str | None = None      # the input holding a tensor seed


def fresh(name: str, taken) -> str:
    """`name`, or name_2, name_3, … when the exercise already uses it."""
    k, out = 1, name
    while out in taken:
        k += 1
        out = f"{name}_{k}"
    return out


def literal(value) -> str:
    """An exact seed weight as formula text the parser reads back to the same number: a rational's numerator and
    denominator each as m*10^k (1e308 is 10^308, 309 digits, past the parser's limit on one literal)."""
    if not getattr(value, "is_Rational", False):
        return str(value)

    def integer(n: int) -> str:
        zeros = 0
        while n and n % 10 == 0 and zeros < MAX_EXPONENT:
            n //= 10
            zeros += 1
        return f"{n}*10^{zeros}" if zeros > 2 else str(n * 10 ** zeros)

    p, q = integer(value.p), integer(value.q)
    return p if value.q == 1 else f"({p})/({q})"


def seeded(table: dict, values: dict, formulas: dict, source, value_of) -> tuple[Seed, str] | None:
    """The Seed of a [gradient] table and the text of the formula it adds (None without a seed)."""
    of, raw = table.get("of"), table.get("seed")
    if raw is None:
        if isinstance(of, list):
            raise DeriveError(Msg("err_seed_needed"),
                              source.spot("gradient", "of"), Msg("err_seed_needed_fix", ones=', '.join('1' for _ in of)))
        return None
    outputs = of if isinstance(of, list) else [of]
    if of is None or not outputs or not all(isinstance(q, str) for q in outputs):
        raise DeriveError(Msg("err_seed_of"), source.spot("gradient", "seed"),
                          Msg("err_seed_of_fix"))
    for q in outputs:
        if q not in formulas:
            raise DeriveError(Msg("err_of_not_formula", name=f'{q!r}'), source.spot("gradient", "of"))
    taken = {*values, *formulas}
    target = fresh("vjp", taken)
    seed = value_of(raw, "seed", source.under("gradient"))
    if len(outputs) > 1:
        if any(formulas[q].shape for q in outputs):
            raise DeriveError(Msg("err_outputs_scalar"), source.spot("gradient", "of"))
        if arrays.shape_of(seed) != (len(outputs),):
            raise DeriveError(Msg("err_seed_outputs", shape=arrays.shape_of(seed), count=len(outputs)),
                              source.spot("gradient", "seed"), Msg("err_one_per_output"))
        text = " + ".join(f"({literal(v)}) * {q}" for v, q in zip(seed.flat, outputs))
        return Seed(outputs, list(seed.flat), target), text
    (q,) = outputs
    shape = formulas[q].shape
    if arrays.shape_of(seed) != shape:
        raise DeriveError(Msg("err_seed_shape", shape=arrays.shape_of(seed), name=f'{q!r}', other=shape),
                          source.spot("gradient", "seed"), Msg("err_seed_shape_hint"))
    if not shape:
        return Seed(outputs, [seed], target), f"({literal(seed)}) * {q}"
    name = fresh("seed", taken | {target})
    return Seed(outputs, seed, target, name), f"sum({name} * {q})"

