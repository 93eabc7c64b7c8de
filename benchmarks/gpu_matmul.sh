#!/usr/bin/env bash
# The GPU measurement of the matmul-benchmark issue, as one short script for the lent device machine.
# It needs only torch, sympy, networkx and matplotlib there (the report), and writes to $OUT
# (default reports/gpu): two `bench --json` runs, nvidia-smi's view, and Ejercicio 1's report made on
# that machine. Back on the development machine:
#   python -m derive bench --from-json reports/gpu/gpu_matmul_*.json --plot reports/gpu/gpu_matmul.png
# Through the device tool:  bash benchmarks/gpu_matmul.sh   (about 4 minutes on an H100-class GPU)
set -euo pipefail
out="${OUT:-reports/gpu}"
py="${PYTHON:-python3}"
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv > "$out/nvidia-smi.csv" || true
# The notebook's size (1000) beside powers of two up to 8192, on the GPU...
"$py" -m derive bench --sizes 1000 1024 2048 4096 8192 --dtypes float32 tf32 bfloat16 --devices cuda --json \
  > "$out/gpu_matmul_cuda.json"
# ...and the same machine's CPU (5 repeats: the CPU is slow at these sizes).
"$py" -m derive bench --sizes 1000 1024 2048 4096 --dtypes float32 bfloat16 --devices cpu --repeats 5 --json \
  > "$out/gpu_matmul_cpu.json"
# Ejercicio 1's worked solution measured where a GPU exists (Markdown and its figure, both languages).
"$py" -m derive report ejercicio1 --full-bench --lang all --format md --out "$out/report"
