"""Sentences for what an exercise chose beyond a plain gradient: a seed (several outputs, backward(seed))
and a convention at kinks. Shared by the scalar and the tensor walkthroughs."""
from __future__ import annotations

from ...model.derivation import Derivation
from .doc import Para, rich
from ...core.i18n import t
from .mathtex import name, tex


def seed_paragraph(d: Derivation, lang: str) -> list:
    seed = d.exercise.seed
    if seed is None:
        return []
    outputs = ", ".join(f"${name(q)}$" for q in seed.outputs)
    if seed.input:
        key, weights = "seed_tensor", f"${name(seed.input)}$"
    else:
        key, weights = "seed_scalars", ", ".join(f"${tex(v)}$" for v in seed.value)
    return [Para(rich(t(lang, key, outputs=outputs, seed=weights, target=f"${name(seed.target)}$",
                        code=f"`{seed.outputs[0]}.backward(gradient=…)`")))]


def convention_paragraph(d: Derivation, lang: str) -> list:
    """Where a convention gave numbers at a kink: which one, said where the numbers are."""
    if d.exercise.kink == "undefined" or not d.kinks:
        return []
    return [Para(rich(t(lang, f"kink_{d.exercise.kink}")))]
