"""Benchmark: convolutional networks. The bundled CNN (Exercise 7: 2 images 1x4x4, conv2d with 2 filters 3x3,
relu, max_pool2d, flatten, linear, cross-entropy) as `gradients --json` and as `report` (every format, both
languages); and an MNIST-sized case (8 images 1x28x28, conv2d with 4 filters 3x3, relu, max_pool2d 2,
flatten, linear to 10 classes, cross-entropy: 6,272 pixels, 6,810 parameters) as `gradients --json`. Each
runs in a fresh process (time and peak memory); beside them, torch's own float64 forward and backward of the
same model in this process, and the largest relative difference between derive's 30-digit gradients and
torch's (the check the issue asks for: every gradient, to 1e-12).

Run: python benchmarks/cnn.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FORMULAS = {"A": "relu(conv2d(X, K, c))", "P": "max_pool2d(A, 2)", "H": "flatten(P, 1)", "Z": "H @ W + b",
            "L": "cross_entropy(Z, y)"}
WRT = ["K", "c", "W", "b"]


def mnist_values(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {"X": np.round(rng.uniform(0, 1, (8, 1, 28, 28)), 2), "y": rng.integers(0, 10, 8),
            "K": np.round(rng.uniform(-0.5, 0.5, (4, 1, 3, 3)), 2), "c": np.round(rng.uniform(-0.1, 0.1, 4), 2),
            "W": np.round(rng.uniform(-0.1, 0.1, (4 * 13 * 13, 10)), 3), "b": np.round(rng.uniform(-0.1, 0.1, 10), 2)}


def mnist_exercise(values: dict) -> str:
    lines = ['title = "MNIST-sized CNN"', 'kind = "gradient"', "[values]"]
    lines += [f"{k} = {json.dumps(v.tolist())}" for k, v in values.items()]
    lines += ["[formulas]"] + [f'{k} = "{v}"' for k, v in FORMULAS.items()]
    lines += ["[gradient]", 'of = "L"', "wrt = " + json.dumps(WRT)]
    return "\n".join(lines) + "\n"


def fresh(args: list[str]) -> tuple[float, float, str]:
    """Seconds and peak resident memory (MB) of one fresh `python -m derive ...` process, and its output."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "derive", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak, done.stdout


def torch_model(values: dict, padding: int = 0):
    """The same CNN in torch float64, written from torch.nn.functional's documentation; its time (forward and
    backward, median of 20) and its gradients."""
    import torch
    import torch.nn.functional as F

    def once():
        t = {k: torch.tensor(np.asarray(v, dtype=float), dtype=torch.float64, requires_grad=k in WRT)
             for k, v in values.items()}
        Z = torch.flatten(F.max_pool2d(torch.relu(F.conv2d(t["X"], t["K"], t["c"], padding=padding)), 2), 1) \
            @ t["W"] + t["b"]
        F.cross_entropy(Z, t["y"].long()).backward()
        return {k: t[k].grad.numpy() for k in WRT}

    once()
    times = []
    for _ in range(20):
        start = time.perf_counter()
        grads = once()
        times.append(time.perf_counter() - start)
    return statistics.median(times), grads


def worst(data: dict, grads: dict) -> float:
    """The largest relative difference, over every element of every gradient, between derive and torch."""
    out = 0.0
    for k, g in grads.items():
        mine = np.array(data["gradients"][k]["decimal"], dtype=float)
        out = max(out, float(np.max(np.abs(mine - g) / np.maximum(np.abs(g), 1e-300) * (np.abs(g) > 1e-300)
                                    + np.abs(mine - g) * (np.abs(g) <= 1e-300))))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import tomllib

    rows = []
    bundled = tomllib.loads((ROOT / "derive" / "exercises" / "ejercicio7.toml").read_text(encoding="utf-8"))["values"]
    runs = [fresh(["gradients", "ejercicio7", "--json"]) for _ in range(args.repeats)]
    torch_seconds, grads = torch_model(bundled, padding=1)
    data = json.loads(runs[0][2])
    rows.append(("Exercise 7, gradients --json", statistics.median(r[0] for r in runs), max(r[1] for r in runs),
                 torch_seconds, worst(data, grads), _digits(data)))
    out = Path(tempfile.mkdtemp())
    runs = [fresh(["report", "ejercicio7", "--lang", "all", "--out", str(out)]) for _ in range(args.repeats)]
    rows.append(("Exercise 7, report (5 formats x 2 languages)", statistics.median(r[0] for r in runs),
                 max(r[1] for r in runs), None, None, None))
    values = mnist_values()
    path = out / "mnist.toml"
    path.write_text(mnist_exercise(values))
    runs = [fresh(["gradients", str(path), "--json"]) for _ in range(args.repeats)]
    torch_seconds, grads = torch_model(values)
    data = json.loads(runs[0][2])
    exact = sum(1 for g in data["gradients"].values() if g["exact"] is not None)
    rows.append(("MNIST-sized (8x1x28x28), gradients --json", statistics.median(r[0] for r in runs),
                 max(r[1] for r in runs), torch_seconds, worst(data, grads), _digits(data)))
    print("| case | derive, fresh process | peak memory | torch float64 fwd+bwd | worst relative difference "
          "| digits |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, seconds, peak, torch_s, diff, digits in rows:
        print(f"| {name} | {seconds:.2f} s | {peak:.0f} MB | "
              + (f"{torch_s * 1000:.2f} ms" if torch_s is not None else "—") + " | "
              + (f"{diff:.1e}" if diff is not None else "—") + " | " + (str(digits) if digits else "—") + " |")
    print(f"\nMNIST-sized: exact forms for {exact} of {len(data['gradients'])} gradients; "
          f"the JSON says of W's: {data['gradients']['W']['exact_note']!r}; of the convolution's: "
          f"{data['nodes']['A'].get('exact_note')!r}.")


def _digits(data: dict) -> int:
    """The fewest significant digits of any gradient element derive printed (30 asked)."""
    fewest = 99
    for g in data["gradients"].values():
        for text in np.array(g["decimal"], dtype=object).ravel():
            mantissa = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
            if mantissa:
                fewest = min(fewest, len(mantissa))
    return fewest


if __name__ == "__main__":
    main()
