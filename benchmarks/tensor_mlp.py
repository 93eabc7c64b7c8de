"""Benchmark: a 4-16-16-3 tanh MLP with softmax cross-entropy on a batch of 8, written once with tensors
(four formulas) and once flattened into scalars (one formula per multiply or add, as the scalar-only engine
needed). Each runs `python -m derive gradients FILE --json` in a fresh process, exact pass and numeric checks
included; the script prints time and peak memory of both and their ratio.

Run: python benchmarks/tensor_mlp.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (4, 16, 16, 3)
BATCH = 8


def weights(seed: int = 0):
    rng = random.Random(seed)
    shape = list(SIZES)
    W = [[[round(rng.gauss(0, 1 / shape[i] ** 0.5), 2) for _ in range(shape[i + 1])] for _ in range(shape[i])]
         for i in range(3)]
    b = [[round(rng.uniform(-0.2, 0.2), 2) for _ in range(shape[i + 1])] for i in range(3)]
    X = [[round(rng.uniform(-1, 1), 2) for _ in range(SIZES[0])] for _ in range(BATCH)]
    y = [rng.randrange(SIZES[-1]) for _ in range(BATCH)]
    return W, b, X, y


def tensor_exercise() -> str:
    W, b, X, y = weights()
    values = {"X": X, "y": y, "W1": W[0], "b1": b[0], "W2": W[1], "b2": b[1], "W3": W[2], "b3": b[2]}
    lines = ['kind = "gradient"', "[values]"] + [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    lines += ["[formulas]", 'H1 = "tanh(X @ W1 + b1)"', 'H2 = "tanh(H1 @ W2 + b2)"', 'Z = "H2 @ W3 + b3"',
              'L = "cross_entropy(Z, y)"', "[gradient]", 'wrt = ["W1", "b1", "W2", "b2", "W3", "b3"]']
    return "\n".join(lines) + "\n"


def scalar_exercise() -> str:
    """The same network with one scalar formula per multiply or add, per example."""
    W, b, X, y = weights()
    values, formulas = {}, {}
    for i, row in enumerate(X):
        for j, v in enumerate(row):
            values[f"x{i}_{j}"] = v
    for layer in range(3):
        for j in range(SIZES[layer]):
            for k in range(SIZES[layer + 1]):
                values[f"w{layer + 1}_{j}_{k}"] = W[layer][j][k]
        for k in range(SIZES[layer + 1]):
            values[f"b{layer + 1}_{k}"] = b[layer][k]
    losses = []
    for i in range(BATCH):
        previous = [f"x{i}_{j}" for j in range(SIZES[0])]
        for layer in range(3):
            current = []
            for k in range(SIZES[layer + 1]):
                acc = f"b{layer + 1}_{k}"
                for j, source in enumerate(previous):
                    p = f"p{i}_{layer}_{k}_{j}"
                    formulas[p] = f"w{layer + 1}_{j}_{k} * {source}"
                    s = f"s{i}_{layer}_{k}_{j}"
                    formulas[s] = f"{acc} + {p}"
                    acc = s
                if layer < 2:
                    formulas[f"h{i}_{layer}_{k}"] = f"tanh({acc})"
                    current.append(f"h{i}_{layer}_{k}")
                else:
                    current.append(acc)
            previous = current
        exps = []
        for k, z in enumerate(previous):
            formulas[f"e{i}_{k}"] = f"exp({z})"
            exps.append(f"e{i}_{k}")
        formulas[f"S{i}"] = " + ".join(exps)
        formulas[f"l{i}"] = f"log(S{i}) - {previous[y[i]]}"
        losses.append(f"l{i}")
    formulas["L"] = f"({' + '.join(losses)}) / {BATCH}"
    lines = ['kind = "gradient"', "[values]"] + [f"{k} = {v}" for k, v in values.items()]
    lines += ["[formulas]"] + [f'{k} = "{v}"' for k, v in formulas.items()]
    lines += ["[gradient]", 'of = "L"', "wrt = [" + ", ".join(f'"{k}"' for k in values if not k.startswith("x")) + "]"]
    return "\n".join(lines) + "\n", len(formulas)


def run(path: Path) -> tuple[float, float, dict]:
    """Seconds and peak resident memory (MB) of one fresh `gradients --json` process, and its JSON."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "derive", "gradients", str(path), "--json"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024, json.loads(done.stdout)


AFTER_IMPORTS = """
import json, sys, time
import torch
from derive.engine import derive
from derive.model.exercise import load
from derive.checks.numeric import check_gradients
from derive.outputs.textjson import to_json
start = time.perf_counter()
d = derive(load(sys.argv[1]))
json.dumps(to_json(d, check_gradients(d)))
print(time.perf_counter() - start)
"""


def after_imports(path: Path) -> float:
    """Seconds of the same work in a fresh process, after its imports (torch, SymPy, derive): the part of
    the time that the exercise's form decides."""
    done = subprocess.run([sys.executable, "-c", AFTER_IMPORTS, str(path)], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    tensor = folder / "tensor_mlp.toml"
    tensor.write_text(tensor_exercise())
    text, count = scalar_exercise()
    scalar = folder / "scalar_mlp.toml"
    scalar.write_text(text)
    rows = {}
    for label, path in (("tensor", tensor), ("scalars", scalar)):
        runs = [run(path) for _ in range(args.repeats)]
        rows[label] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[0][2],
                       statistics.median(after_imports(path) for _ in range(args.repeats)))
    t, s = rows["tensor"], rows["scalars"]
    g_t = float(t[2]["gradients"]["W1"]["decimal"][0][0])
    g_s = float(s[2]["gradients"]["w1_0_0"]["decimal"])
    print(f"network {'-'.join(map(str, SIZES))}, batch {BATCH}: tensor form 4 formulas, scalar form {count} formulas")
    print(f"{'form':<8} {'whole s':>8} {'peak MB':>8} {'after imports s':>16}")
    for label, (seconds, peak, _, inner) in rows.items():
        print(f"{label:<8} {seconds:>8.2f} {peak:>8.0f} {inner:>16.2f}")
    print(f"ratio scalars/tensor: {s[0] / t[0]:.1f}x whole process, {s[3] / t[3]:.1f}x after imports; "
          f"dL/dW1[0,0] agree: {abs(g_t - g_s) <= 1e-12 * abs(g_t)}")


if __name__ == "__main__":
    main()
