#!/usr/bin/env bash
# One prepared GPU check for the lent device machine (see DEVELOPERS.md):
# installs nothing it cannot carry, builds arraymask, runs the test suite on
# CuPy and torch-CUDA (plus NumPy and torch CPU for reference), and prints a
# short benchmark table. Run it from the repo root through the device tool:
#   carry: [".whl"]   command: bash tools/gpu_check.sh
# Prepare the wheels here first (the device machine reaches no registry):
#   tools/gpu_check.sh --fetch-wheels
set -uo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--fetch-wheels" ]]; then
  grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
  rm -rf .whl && mkdir -p .whl
  for pkg in array-api-compat array-api-extra array-api-strict meson-python pyproject-metadata; do
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
      --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
      --platform any -d .whl "$pkg"
  done
  ls -l .whl
  exit 0
fi

out="${OUT:-/tmp/gpu_check}"; mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -m pip install -q --no-build-isolation --no-deps --no-index --target /tmp/am . \
  > "$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
export PYTHONPATH=/tmp/am:/tmp/site
python3 -m arraymask backends

echo "== tests on GPU backends (cupy, torch_cuda) and CPU references"
ARRAYMASK_TEST_BACKENDS=numpy,torch,cupy,torch_cuda timeout 420 python3 -m pytest -q -x \
  -p no:cacheprovider tests 2>&1 | tee "$out/tests.log" | tail -25

echo "== benchmarks (median ms; ratio to the peer baseline, <1 is faster)"
export ARRAYMASK_BENCH_BACKENDS=cupy,torch_cuda,torch
timeout 150 python3 asv_bench/compare.py masks_topk random_masks sparse_coo --repeat 5 \
  2>&1 | tee "$out/bench.log"

echo "== sampling filters on the GPU (vs torch.topk-based sampling, FlashInfer if importable)"
timeout 120 python3 asv_bench/compare.py sampling.SamplingGPU --repeat 5 \
  2>&1 | tee "$out/bench_sampling.log"
