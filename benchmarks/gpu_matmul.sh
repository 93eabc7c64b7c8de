#!/usr/bin/env bash
# The GPU measurement of the matmul-benchmark issue, as one short script for the lent device machine.
# It needs only torch and the standard library there (`derive bench` imports nothing else), and writes
# two `bench --json` runs to $OUT (default reports/gpu). Back on the development machine:
#   python -m derive bench --from-json reports/gpu/*.json --plot reports/gpu/gpu_matmul.png
# Through the device tool:  bash benchmarks/gpu_matmul.sh   (about 3 minutes on an H100-class GPU)
set -euo pipefail
out="${OUT:-reports/gpu}"
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv > "$out/nvidia-smi.csv" || true
python -m derive bench --sizes 1024 2048 4096 8192 --dtypes float32 tf32 bfloat16 --devices cuda --json \
  > "$out/gpu_matmul_cuda.json"
python -m derive bench --sizes 1024 2048 4096 --dtypes float32 bfloat16 --devices cpu --repeats 5 --json \
  > "$out/gpu_matmul_cpu.json" 2>/dev/null || true
