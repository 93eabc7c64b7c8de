"""Every limit on symbolic and arbitrary-precision work, and the exact-value policy, in one place.

Literals are bounded in the lexer before any number is built; exact SymPy values are bounded by size,
nesting, magnitude and time, and past a bound they become `Unknown(reason)`, never zero; mpmath values
are bounded by magnitude, and the precision ladder lives here. Engine, parser, printers and linter ask
this module; none carries its own constants.
"""
from __future__ import annotations

from contextlib import contextmanager

import math
import signal
import threading
import time
from functools import lru_cache
from .i18n import t

# -- input ----------------------------------------------------------------------------------------
MAX_CHARS = 10_000          # characters in one formula
MAX_DEPTH = 100             # nesting of parentheses, signs and powers in one formula
MAX_LITERAL = 200           # characters in one number literal
MAX_LITERAL_EXPONENT = 400  # |e| in a literal such as 1e-30 (float64 ends near 1e±308)
MAX_EXPONENT = 1_000        # |n| in x^n for a numeric n
MAX_DIGITS = 4_000          # digits of a number computed from literals (9^9^9 is refused; below Python's
                            # 4,300-digit limit on int <-> str, so every number a formula holds can be printed)
MAX_FLOAT = 1.7976931348623157e308   # a point must be finite in float64: the checks run there
MAX_ELEMENTS = 65_536       # elements in one tensor value or formula (an MNIST batch of 8 convolved by 4 filters: 21,632)
MAX_RANK = 6                # dimensions of one tensor (a batch of images is N x C x H x W: 4)

# -- exact values ---------------------------------------------------------------------------------
SIZE_CAP = 400              # tree nodes in one exact expression (per element)
EXACT_MAX_ELEMENTS = 4_096  # elements of one tensor computed exactly (an MNIST convolution's 21,632 are not tried)
NESTING_CAP = 4             # functions nested deeper than this in an exact value (SymPy's sign tests
                            # on tanh(tanh(tanh(...))) cost time exponential in the depth)
MAGNITUDE_CAP = 1000        # exact values beyond 10^±1000 are not written (their decimal is)
CALL_SECONDS = 0.25         # one symbolic call (a node's exact value, a cancel, a comparison)
PASS_SECONDS = 2.0          # all exact work for one exercise, plus PASS_SECONDS_PER_NODE each, at most
PASS_SECONDS_PER_NODE = 0.00005  # PASS_SECONDS_MAX: past it the exact forms left are Unknown("time") and
PASS_SECONDS_MAX = 3.0      # the decimals stand alone (3 s: a network large enough to reach it, 20,000
                            # formulas, spends all of it on exact values and never reaches an exact gradient)

# -- decimals -------------------------------------------------------------------------------------
DIGITS = 30                 # significant digits of every decimal shown
PRECISIONS = (45, 60, 120, 300)   # mpmath working precisions, tried until two runs agree
WORKING_DPS = 60            # precision of domain and kink tests
TIE_DIGITS = 10             # two values tie (a kink) when they agree to (precision - TIE_DIGITS) digits
MAX_MAGNITUDE_BITS = 3_400_000    # |log2 value| beyond which a value is refused (about 10^±1,000,000)

# -- generated code and checks ---------------------------------------------------------------------
FD_MAX_INPUTS = 64          # inputs checked one by one by finite differences; beyond, a seeded sample
FD_DIRECTIONS = 4           # random directions checked for the whole gradient (gradcheck's fast mode)
FD_MAX_MEMORY = 256 * 2**20  # bytes of float64 elements one finite-difference chunk may hold

class Unknown:
    """An exact value that was not computed, and why: size, nesting, magnitude, time, parent, kink, domain or
    tensor (said in report/i18n as unknown_<reason>, in both languages). Arithmetic with it gives Unknown (never 0),
    and it has no truth value, so no code can mistake it for zero or for a number."""

    __slots__ = ("reason", "data")

    def __init__(self, reason: str, **data):
        self.reason = reason
        self.data = data or ({"cap": _CAPS[reason]} if reason in _CAPS else {})

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"

    def text(self, lang: str = "en") -> str:
        return t(lang, f"unknown_{self.reason}", **self.data)

    def _absorb(self, *_):
        return self if self.reason == "parent" else Unknown("parent")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _absorb
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __pos__ = _absorb

    def __bool__(self):
        raise TypeError("an Unknown exact value has no truth value: test it with budget.known()")

    def __eq__(self, other):
        return isinstance(other, Unknown) and other.reason == self.reason

    def __hash__(self):
        return hash(("Unknown", self.reason))


_CAPS = {"size": SIZE_CAP, "nesting": NESTING_CAP, "magnitude": MAGNITUDE_CAP}


def known(value) -> bool:
    """Whether an exact value was computed (None and Unknown are not)."""
    return value is not None and not isinstance(value, Unknown)


# -- sizes ------------------------------------------------------------------------------------------

def size(expr, cap: int = SIZE_CAP) -> int:
    """Tree nodes in a SymPy expression, counting stops just past `cap`."""
    count, stack = 0, [expr]
    while stack and count <= cap:
        count += 1
        stack.extend(stack.pop().args)
    return count


@lru_cache(maxsize=200_000)
def nesting(expr) -> int:
    """How deeply functions nest in expr: tanh(0.9 tanh(x)) is 2 (remembered across calls: the exact
    pass asks of every product it builds, whose factors it asked of before)."""
    import sympy as sp

    inner = max((nesting(a) for a in expr.args), default=0)
    return inner + 1 if isinstance(expr, sp.Function) else inner


MAGNITUDE_BITS = math.ceil(MAGNITUDE_CAP * math.log2(10))   # bits of 10^MAGNITUDE_CAP: an exact rational with a
                                                        # larger numerator or denominator is "magnitude"


def huge_rational(expr, bits: int = MAGNITUDE_BITS) -> bool:
    """Whether an exact number is a rational whose numerator or denominator passes `bits` bits (read from the
    integers' binary length: never printed, never converted to decimal)."""
    return bool(getattr(expr, "is_Rational", False)) and (abs(expr.p).bit_length() > bits or expr.q.bit_length() > bits)


def policy(expr):
    """An exact SymPy value as the budget allows it: the value, or Unknown with the reason (a rational beyond
    10^±MAGNITUDE_CAP anywhere in it is "magnitude": 100 (10^300)^99 is not written out)."""
    count, stack = 0, [expr]
    while stack and count <= SIZE_CAP:
        e = stack.pop()
        count += 1
        if huge_rational(e):
            return Unknown("magnitude")
        stack.extend(e.args)
    if count > SIZE_CAP:
        return Unknown("size")
    if nesting(expr) > NESTING_CAP:
        return Unknown("nesting")
    return expr


# -- time -------------------------------------------------------------------------------------------

class OverTime(BaseException):
    """A symbolic call ran past its time slice. A BaseException, so SymPy's `except Exception` cannot
    swallow it."""


_active = threading.local()
REPEAT = 0.05               # seconds between repeated alarms once a time slice is over


class time_limit:
    """Raise OverTime in the block after `seconds` (main thread, Unix; elsewhere no limit is set, and
    the size caps alone bound the work). Nested limits keep the outer one.

    The alarm repeats every REPEAT seconds until the block ends: code that swallows one OverTime in a bare
    `except:` (SymPy has some) is interrupted again, so no call outlives its slice by much. The block counts
    as active only from the last step of entering it to the first step of leaving it, and an alarm that comes
    in __enter__ or __exit__ themselves is ignored: a slice of a microsecond (the end of the pass's budget)
    once fired before the block began, and the repeating alarm then outlived the block."""

    __slots__ = ("seconds", "previous", "armed")

    def __init__(self, seconds: float):
        self.seconds, self.previous, self.armed = seconds, None, False

    def __enter__(self):
        if (not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread()
                or getattr(_active, "on", False)):
            return self
        self.previous = signal.signal(signal.SIGALRM, _expire)
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, max(self.seconds, 1e-6), REPEAT)
        _active.on = True                    # last: only now may an alarm interrupt
        return self

    def __exit__(self, kind, value, tb):
        if self.armed:
            _active.on = False               # first: an alarm from here on is ignored
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
            self.armed = False
        if value is not None and not isinstance(value, OverTime) and _alarm_inside(value):
            raise OverTime() from value      # the alarm came inside C code (SymPy's hash): SystemError around it
        return False


@contextmanager
def shielded():
    """No alarm inside (NumPy's products of object arrays, np.dot/matmul/tensordot, lose an exception raised in an
    element's arithmetic and leave the element empty): the alarm repeats every REPEAT seconds, so a time slice
    that ran out meanwhile ends at the first Python line after."""
    on = getattr(_active, "on", False)
    _active.on = False
    try:
        yield
    finally:
        _active.on = on


def _alarm_inside(error: BaseException, depth: int = 256) -> bool:
    """Whether OverTime is among the causes of an exception (Python wraps one raised where C code called back)."""
    while error is not None and depth:
        if isinstance(error, OverTime):
            return True
        error, depth = error.__cause__ or error.__context__, depth - 1
    return False


def _expire(signum, frame):
    if getattr(_active, "on", False) and frame is not None and frame.f_code not in _OWN \
            and not _finalizing(frame):
        raise OverTime()


def _finalizing(frame, depth: int = 64) -> bool:
    """Whether the alarm came while Python runs a finalizer (a __del__, a weakref or garbage-collector callback)
    or reports an exception it cannot raise: OverTime there cannot reach the time-limited block, it is printed as
    "Exception ignored" and lost (and under pytest it broke the unraisable-exception hook itself). The alarm
    repeats every REPEAT seconds, so the block is interrupted once the finalizer is done."""
    import gc

    callbacks = {getattr(cb, "__code__", None) for cb in gc.callbacks}      # the collector's own callbacks
    while frame is not None and depth:
        code = frame.f_code
        if code in callbacks:
            return True
        if code.co_name in ("__del__", "unraisable_hook") \
                or code.co_filename.endswith(("unraisableexception.py", "weakref.py", "_weakrefset.py")):
            return True
        frame, depth = frame.f_back, depth - 1
    return False


_OWN = {time_limit.__enter__.__code__, time_limit.__exit__.__code__}    # an alarm never interrupts these


class Clock:
    """The time left for one exercise's exact pass: each call gets CALL_SECONDS or what is left."""

    def __init__(self, nodes: int):
        self.deadline = time.perf_counter() + min(PASS_SECONDS_MAX, PASS_SECONDS + PASS_SECONDS_PER_NODE * nodes)

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def run(self, compute, *args):
        """compute(*args) within the budget, or Unknown("time")."""
        left = min(CALL_SECONDS, self.left())
        if left <= 0:
            return Unknown("time")
        try:
            with time_limit(left):
                return compute(*args)
        except OverTime:
            return Unknown("time")
        except RecursionError:
            return Unknown("nesting")
