#!/usr/bin/env bash
# One command for a GPU machine: finds the Vulkan loader that onnxruntime-node's WebGPU provider
# (Dawn) dlopens — the system's libvulkan.so.1, else the copy Debian's chromium ships — prints the
# adapters the vendor's Vulkan driver offers, then runs the gpu benchmark: rows/s and tokens/s on
# CPU vs WebGPU (and CUDA when its provider is installed), max |GPU − CPU| and an MFU estimate.
#   bash scripts/gpu-check.sh [--rows 4096] [--models default,minilm]
set -euo pipefail
cd "$(dirname "$0")/.."

if ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  echo "Vulkan loader: $(ldconfig -p | grep 'libvulkan\.so\.1' | head -1 | sed 's/.*=> //')"
elif [ -e /usr/lib/chromium/libvulkan.so.1 ]; then
  # dlopen reads LD_LIBRARY_PATH when the process starts: set it for the node processes below.
  export LD_LIBRARY_PATH="/usr/lib/chromium${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "Vulkan loader: /usr/lib/chromium/libvulkan.so.1 (chromium's copy, via LD_LIBRARY_PATH)"
elif command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Vulkan loader: missing, installing Debian libvulkan1"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvulkan1 >/dev/null
else
  echo "No Vulkan loader (libvulkan.so.1): install libvulkan1 (or chromium, which ships one)." >&2
  exit 1
fi

if [ ! -d node_modules/onnxruntime-node ]; then
  echo "== npm ci (onnxruntime-node's install step is skipped: its WebGPU provider is bundled)"
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
fi

command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv || true

echo "== adapters (src/model/webgpu-probe.ts) and the device rule"
npx tsx -e "
import { webGpuProbe, describeAdapter } from './src/model/webgpu-probe.ts';
import { planNodeDevice } from './src/model/node-device.ts';
const p = webGpuProbe();
console.log('loader:', p.loader ?? 'missing');
for (const a of p.adapters) console.log('adapter ' + a.index + ': ' + describeAdapter(a) + ' [' + a.manifest + ']');
if (!p.adapters.length) console.log('no adapter:', p.missing, '-', p.summary);
console.log('auto picks:', planNodeDevice('auto').reason);
"

echo "== npm run bench -- gpu $*"
npm run --silent bench -- gpu "$@"
