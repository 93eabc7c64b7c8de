"""What a `kind = "matmul-benchmark"` exercise (Ejercicio 1) asks to time: sizes, dtypes, devices and repeats,
read and checked when the file loads (bench.py measures them)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..core.errors import DeriveError
from ..core.i18n import Msg

DEVICES = ("cpu", "cuda", "mps")
DTYPES = ("float32", "tf32", "bfloat16", "float16", "float64")   # tf32: float32 data, TF32 tensor-core maths
MAX_SIZE = 16384
QUICK = {"max_size": 1000, "repeats": 5, "block_s": 0.01}
FULL = {"repeats": 15, "block_s": 0.05, "reference_s": 0.3}


@dataclass
class Spec:
    """What to measure: the sizes, dtypes and devices of an exercise file or the command line."""

    sizes: list[int] = field(default_factory=lambda: [1000])
    dtypes: list[str] = field(default_factory=lambda: ["float32", "float64"])
    devices: list[str] = field(default_factory=lambda: list(DEVICES))
    repeats: int = FULL["repeats"]
    quick: list[int] | None = None        # sizes for --quick (default: the sizes up to 1000)

    def quick_sizes(self) -> list[int]:
        return self.quick or [n for n in self.sizes if n <= QUICK["max_size"]] or [min(self.sizes)]


def spec_of(data: dict, source) -> Spec:
    """The `kind = "matmul-benchmark"` tables, checked, as a Spec."""
    spec = Spec()
    for key, allowed, kind in (("sizes", None, int), ("dtypes", DTYPES, str), ("devices", DEVICES, str),
                               ("quick", None, int)):
        if key not in data:
            continue
        items = data[key]
        if not isinstance(items, list) or not items or not all(type(v) is kind for v in items):
            raise DeriveError(Msg("err_list_integers" if kind is int else "err_list_strings", key=key),
                              source.spot("", key))
        for v in items:
            if allowed and v not in allowed:
                raise DeriveError(Msg("err_unknown_item", what=key[:-1], value=f'{v!r}'), source.spot("", key), Msg("err_allowed", keys=', '.join(allowed)))
            if kind is int and not 1 <= v <= MAX_SIZE:
                raise DeriveError(Msg("err_size_range", size=v), source.spot("", key), Msg("err_size_range_fix", limit=MAX_SIZE))
        setattr(spec, key, list(dict.fromkeys(items)))
    if "repeats" in data:
        r = data["repeats"]
        if type(r) is not int or not 3 <= r <= 1000:
            raise DeriveError(Msg("err_repeats"), source.spot("", "repeats"))
        spec.repeats = r
    return spec
