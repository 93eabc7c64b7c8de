"""The larger fuzzing run behind README's robustness figures: random formula strings (huge literals, Unicode,
LaTeX fragments, tensors) and random small exercises through load -> derive -> float diagnostics -> lint, then
a sample through torch's checks. Each case must end in an answer or the project's own located error, within
a few seconds; the script prints the counts.

Run: python benchmarks/fuzz.py [--cases 2000] [--seed 0]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ATOMS = ["a", "b", "0.5", "2", "1e300", "1e-300", "99999999999999999999", "e", "pi", "π", "σ(a)", "√b", "½",
         "|a - b|", "x", "ｘ", "中", "\\frac{a}{b}", "\\sqrt[3]{a}", "a^b", "b^-a", "log(a)", "exp(b)", "max(a, b)",
         "relu(a - b)", "tanh(a b)", "1/(a - a)", "(a", "a)", "\\foo", "a^1e99", "9^9^9", "a @ b", "sum(a)",
         "softmax(a)", "a[0]", "aᵀ", "\x0c", "'", '"', "ln 0", "sqrt(-b)", "2^(1/(a - a))", "1e99999999",
         "exp(exp(exp(a)))", "a^a^a^a", "cos(sqrt(-1) a)", "\\sqrt[0]{a}", "mean(a)", "norm(a)", "a·b", "a × b",
         "logsumexp(a)", "cross_entropy(a, 0)", "mse(a, b)", "softplus(a)", "ReLU(b)", "log_2(b)", "wx",
         "detach(a)", "stopgrad(a b)"]
EXTRAS = ["", "", "", '[gradient]\nkink = "torch"\n', '[gradient]\nkink = "subgradient"\n', "[gradient]\norder = 2\n",
          '[gradient]\nwrt = ["a"]\norder = 3\n', "[step]\nlearning_rate = 0.1\nsteps = 3\n",
          '[step]\nlearning_rate = "1/2"\nupdate = "momentum"\nsteps = 2\n', '[gradient]\nof = ["y"]\nseed = [2]\n']
JOINS = ["+", "-", "*", "/", "^", " ", "@"]
VALUES = ["1", "-2", "0", "1e-30", '"1/3"', "[1, 2]", "[[1, 2], [3, 4]]", "1e308", "[0.5, -0.5]", '"sqrt(2)"']


def case(rng: random.Random) -> str:
    atoms = [rng.choice(ATOMS) for _ in range(rng.randint(1, 5))]
    text = "".join(a + (rng.choice(JOINS) if i < len(atoms) - 1 else "") for i, a in enumerate(atoms)).strip() or "a"
    return (f'kind = "gradient"\n[values]\na = {rng.choice(VALUES)}\nb = {rng.choice(VALUES)}\n'
            f'[formulas]\ny = {json.dumps(text)}\n' + rng.choice(EXTRAS))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checks-every", type=int, default=10, help="run torch's checks on one case in this many")
    args = parser.parse_args()
    from derive.checks.diagnose import float_diagnostics
    from derive.engine import derive
    from derive.core.errors import DeriveError
    from derive.model.exercise import loads
    from derive.apps.lint import check
    from derive.extend.training import train

    rng = random.Random(args.seed)
    outcome: Counter = Counter()
    slowest, bugs, slow = 0.0, [], []
    start_all = time.perf_counter()
    import signal

    try:                                      # a case that eats memory is a MemoryError here, not a killed run
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
    except (ImportError, ValueError, OSError):
        pass

    class Hang(BaseException):
        pass

    def hang(signum, frame):
        raise Hang()

    signal.signal(signal.SIGALRM, hang)
    for i in range(args.cases):
        source = case(rng)
        start = time.perf_counter()
        signal.alarm(20)                      # a case still running after 20 s is a hang: report it
        try:
            ex = loads(source)
            d = derive(ex)
            float_diagnostics(d)
            check(ex)
            if ex.step is not None:
                train(d, ex.step)
            if i % args.checks_every == 0 and not ex.tensor:
                from derive.checks.numeric import check_gradients

                check_gradients(d)
            outcome["answer"] += 1
        except DeriveError:
            outcome["located error"] += 1
        except Hang:
            outcome["hang (over 20 s)"] += 1
            bugs.append(("hang", "still running after 20 s", source))
        except Exception as error:           # a bug: the script lists it
            outcome["other exception"] += 1
            bugs.append((type(error).__name__, str(error)[:120], source))
        finally:
            signal.alarm(0)
        elapsed = time.perf_counter() - start
        slowest = max(slowest, elapsed)
        if elapsed > 5:
            outcome["over 5 s"] += 1
            slow.append((elapsed, source))
        if (i + 1) % 1000 == 0:                # progress, so a slow stretch shows where it is
            print(f"  {i + 1} cases, {time.perf_counter() - start_all:.0f} s", file=sys.stderr, flush=True)
    total = time.perf_counter() - start_all
    print(f"{args.cases} cases (seed {args.seed}) in {total:.0f} s: " + ", ".join(f"{k} {v}" for k, v in outcome.items())
          + f"; slowest {slowest:.2f} s")
    for kind, message, source in bugs[:10]:
        print(f"  {kind}: {message}\n    {source!r}")
    for elapsed, source in sorted(slow, reverse=True)[:10]:
        print(f"  {elapsed:.1f} s:\n    {source!r}")
    return 1 if bugs or outcome["over 5 s"] else 0


if __name__ == "__main__":
    sys.exit(main())
