// What the local backend will most likely pick, shown before the first run; the worker reports
// the device that actually ran once the model is loaded.
import { useEffect, useState } from 'react';
import { wasmPlan, type WasmPlan } from '../../../worker/wasm-threads';

export interface DeviceProbe {
  webgpu: boolean;
  detail: string;
  wasm: WasmPlan;
  isolated: boolean;
}

interface GpuLike {
  requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null>;
}

async function probeDevices(): Promise<DeviceProbe> {
  const wasm = wasmPlan(navigator.hardwareConcurrency || 1, self.crossOriginIsolated);
  const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
  let webgpu = false;
  let detail = 'this browser has no WebGPU (navigator.gpu is missing)';
  if (gpu) {
    try {
      const adapter = await gpu.requestAdapter();
      webgpu = !!adapter;
      const info = adapter?.info;
      detail = adapter ? `WebGPU adapter: ${[info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'found'}` : 'navigator.gpu exists but no adapter was found';
    } catch (err) {
      detail = `WebGPU adapter request failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  return { webgpu, detail, wasm, isolated: self.crossOriginIsolated };
}

export function useDeviceProbe(): DeviceProbe | null {
  const [probe, setProbe] = useState<DeviceProbe | null>(null);
  useEffect(() => {
    let live = true;
    void probeDevices().then((p) => live && setProbe(p));
    return () => {
      live = false;
    };
  }, []);
  return probe;
}
