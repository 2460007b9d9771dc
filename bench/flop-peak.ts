// This machine's FP32 peak, derived from /proc/cpuinfo (no measurement): cores × clock × FLOPs
// per cycle per core. FLOPs per cycle: two FMA units per core (every x86 core with AVX2 since
// Haswell), each an FMA (2 FLOPs) on 8 (AVX2) or 16 (AVX-512) float32 lanes → 32 or 64. WASM
// SIMD is 128-bit (4 lanes), so a browser's ceiling is 16 per cycle at best; both are printed.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export interface FlopPeak {
  cores: number;
  ghz: number;
  nativeFlopsPerCycle: number;
  /** Native SIMD peak, GFLOP/s. */
  native: number;
  /** WASM SIMD128 peak (4 lanes × 2 FMA units × 2), GFLOP/s. */
  wasm: number;
  how: string;
}

export function flopPeak(): FlopPeak {
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux: fall back to the defaults below and say so
  }
  const cores = availableParallelism();
  const mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(info)?.[1] ?? 0) || 2000;
  const flags = /flags\s*:\s*(.*)/.exec(info)?.[1].split(' ') ?? [];
  const isa = flags.includes('avx512f') ? 'AVX-512' : flags.includes('avx2') && flags.includes('fma') ? 'AVX2+FMA' : 'SSE';
  const nativeFlopsPerCycle = isa === 'AVX-512' ? 64 : isa === 'AVX2+FMA' ? 32 : 8;
  const ghz = mhz / 1000;
  return {
    cores,
    ghz,
    nativeFlopsPerCycle,
    native: cores * ghz * nativeFlopsPerCycle,
    wasm: cores * ghz * 16,
    how: `${cores} cores × ${ghz.toFixed(2)} GHz (/proc/cpuinfo "cpu MHz") × ${nativeFlopsPerCycle} FP32 FLOP/cycle (${isa}: 2 FMA units × ${nativeFlopsPerCycle / 4} lanes × 2) = ${(cores * ghz * nativeFlopsPerCycle).toFixed(0)} GFLOP/s; WASM SIMD128 ceiling × 16 FLOP/cycle = ${(cores * ghz * 16).toFixed(0)} GFLOP/s`,
  };
}

/**
 * Forward-pass FLOPs per token of a BERT encoder (multiply-add = 2 FLOPs): Q/K/V/output
 * projections 4·h², feed-forward 2·h·ffn, attention scores and weighted sum 2·seq·h, per layer.
 */
export function bertFlopsPerToken(shape: { hidden: number; layers: number; ffn: number }, meanSeq: number): number {
  const { hidden: h, layers, ffn } = shape;
  return 2 * layers * (4 * h * h + 2 * h * ffn + 2 * meanSeq * h);
}
