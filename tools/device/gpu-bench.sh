#!/usr/bin/env bash
# On a machine with an NVIDIA GPU (prepared, not run: no GPU was lent to the session that wrote
# it): builds tfjs-node-gpu against the tensorflow wheel and its CUDA 12 wheels, prints the
# device TensorFlow sees, times one inner step for N = 8 … 512 particles on the GPU and on the
# CPU (tfjs-node) side by side, runs the main job on the GPU, and writes every figure to one
# JSON file.
#
#   tools/device/gpu-bench.sh [OUT.json]     # default: $OUT/gpu-bench.json, else ./gpu-bench.json
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-.}/gpu-bench.json}
work=$(mktemp -d)
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$work/gpu.txt" || echo "no nvidia-smi" > "$work/gpu.txt"

npm ci --no-audit --no-fund >"$work/npm-ci.log" 2>&1
# --gpu builds @tensorflow/tfjs-node-gpu; its check says whether TensorFlow created a GPU device.
npm run setup:native -- --gpu 2>&1 | tee "$work/setup.log"

# The device TensorFlow sees: its device-creation lines, at INFO level.
TF_CPP_MIN_LOG_LEVEL=0 node --input-type=module -e "
  const tf = await import('@tensorflow/tfjs-node-gpu');
  tf.matMul(tf.ones([256, 256]), tf.ones([256, 256])).dataSync();
  console.log('backend', tf.getBackend());
" >"$work/device.log" 2>&1 || true
grep -E 'device:GPU|Created device|cuda|CUDA' "$work/device.log" | tee "$work/device.txt" || true

particles=8,32,128,512
PES_BACKEND=tensorflow-gpu node apps/meta-train/bin/pes.js bench inner-step --particles $particles --no-memory --json >"$work/inner-gpu.json"
PES_BACKEND=tensorflow node apps/meta-train/bin/pes.js bench inner-step --particles $particles --no-memory --json >"$work/inner-cpu.json" 2>/dev/null || echo '{}' >"$work/inner-cpu.json"
start=$(date +%s.%N)
PES_BACKEND=tensorflow-gpu node apps/meta-train/bin/pes.js meta-train --task mnist-lr-schedule \
  --estimator pes --eval-every 0 --out "$work/main-job" --overwrite | tee "$work/main-job.log"
end=$(date +%s.%N)

node --input-type=module -e "
  import { readFileSync, writeFileSync } from 'node:fs';
  const w = '$work', read = (f) => readFileSync(w + '/' + f, 'utf8');
  const json = (f) => { try { return JSON.parse(read(f).trim().split('\n').at(-1)); } catch { return null; } };
  const result = JSON.parse(read('main-job/result.json'));
  writeFileSync('$out', JSON.stringify({
    gpu: read('gpu.txt').trim(),
    device: read('device.txt').trim().split('\n'),
    setup: read('setup.log').trim().split('\n').at(-2),
    innerStep: { tensorflowGpu: json('inner-gpu.json'), tensorflowCpu: json('inner-cpu.json') },
    mainJob: {
      seconds: Number(($end - $start).toFixed(1)),
      theta: result.theta,
      valAccuracy: [result.initial.valAccuracy, result.final.valAccuracy],
      summary: read('main-job.log').trim().split('\n').slice(-9),
    },
  }, null, 2) + '\n');
  console.log('wrote $out');
"
