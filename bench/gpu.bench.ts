// GPU workers' speed: the same texts embedded by the same pipeline (tokenizer, sorted sub-batches,
// one session) on every device kind present — CPU always, CUDA when its provider is installed,
// WebGPU when an adapter exists (a software one such as SwiftShader only with --software or when
// VK_ICD_FILENAMES names it) — in one run, so the ratios compare like with like. Prints rows/s,
// tokens/s, max |GPU − CPU| and an MFU estimate (weight FLOP/token × tokens/s ÷ the adapter's FP32
// peak, where the peak is known).
//   npm run bench -- gpu [--rows N] [--models default,minilm] [--threads N] [--software] [--max-words N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSyntheticBert } from '../src/model/bert/generate';
import { planNodeDevice } from '../src/model/node-device';
import { createNodeSession } from '../src/model/node-session';
import { estimateFlopsPerToken } from '../src/model/onnx/flops';
import { Embedder } from '../src/model/pipeline/embedder';
import { loadNodeModel } from '../src/model/registry-node';
import type { ModelSpec } from '../src/model/registry';
import type { Device } from '../src/model/types';
import { describeAdapter, webGpuProbe, type WebGpuAdapterInfo } from '../src/model/webgpu-probe';
import { benchTexts } from './local.bench';

const here = dirname(fileURLToPath(import.meta.url));

/** Dense FP32 peaks (TFLOP/s) of GPUs by the model name their driver reports; shader code runs at this rate. */
const FP32_PEAK_TFLOPS: Array<[RegExp, number]> = [
  [/H200/i, 67],
  [/H100.*(SXM|HBM3)/i, 67],
  [/H100.*PCIe/i, 51],
  [/H100/i, 51],
  [/A100/i, 19.5],
  [/L40S/i, 91.6],
  [/L4\b/i, 30.3],
  [/RTX 4090/i, 82.6],
  [/A10\b/i, 31.2],
  [/T4\b/i, 8.1],
];

export function fp32PeakTflops(adapter: WebGpuAdapterInfo | undefined): number | undefined {
  if (!adapter || adapter.software) return undefined;
  return FP32_PEAK_TFLOPS.find(([re]) => re.test(adapter.architecture))?.[1];
}

interface Row {
  model: string;
  device: string;
  adapter: string;
  rowsPerSec: number;
  tokensPerSec: number;
  ms: number;
  maxAbsDiffVsCpu: number | null;
  mfu: string;
  note: string;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function intArg(args: string[], name: string, dflt: number): number {
  const raw = flag(args, name);
  const v = raw === undefined ? dflt : Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${name} must be a positive integer, got ${raw}`);
  return v;
}

export async function main(args: string[]): Promise<void> {
  const threads = intArg(args, 'threads', Math.min(8, availableParallelism()));
  const probe = webGpuProbe();
  const adapter = probe.adapters[0];
  const useWebGpu = adapter && (!adapter.software || args.includes('--software') || Boolean(process.env.VK_ICD_FILENAMES));
  // A software adapter runs shaders on the CPU: a few rows say what it does; a GPU gets thousands.
  const rows = intArg(args, 'rows', useWebGpu && !adapter.software ? 4096 : 24);
  const models = (flag(args, 'models') ?? 'default,minilm').split(',');
  const devices: Device[] = ['cpu'];
  const notes: string[] = [];
  try {
    planNodeDevice('cuda');
    devices.push('cuda');
  } catch (err) {
    notes.push(`cuda: ${(err as Error).message}`);
  }
  if (useWebGpu) devices.push('webgpu');
  else notes.push(`webgpu: ${adapter ? `only a software adapter (${adapter.description}); pass --software to include it` : probe.summary}`);

  console.log(`WebGPU probe: ${probe.summary}`);
  // On a software adapter the long texts (80–300 words) take minutes per batch: keep the short ones.
  const maxWords = intArg(args, 'max-words', useWebGpu && adapter.software ? 20 : 10_000);
  const texts: string[] = [];
  for (let seed = 2024; texts.length < rows; seed++) texts.push(...benchTexts(rows, seed).filter((t) => t.split(' ').length <= maxWords));
  texts.length = rows;
  const table: Row[] = [];
  for (const name of models) {
    const spec: ModelSpec = name === 'default' ? 'default' : { folder: ensureSyntheticBert(name as 'minilm' | 'tiny').dir };
    const loaded = await loadNodeModel(spec);
    const flopsPerToken = estimateFlopsPerToken(loaded.model);
    let cpuValues: Array<Float32Array | null> | undefined;
    for (const device of devices) {
      let session;
      try {
        session = await createNodeSession(loaded.model, { device, threads });
      } catch (err) {
        table.push({ model: name, device, adapter: '', rowsPerSec: 0, tokensPerSec: 0, ms: 0, maxAbsDiffVsCpu: null, mfu: 'n/a', note: `failed to start: ${(err as Error).message.split('\n')[0]}` });
        continue;
      }
      const embedder = new Embedder(loaded.tokenizer, session);
      const tokens = texts.reduce((s, t) => s + loaded.tokenizer.encode(t).ids.length, 0);
      // Warm-up on the same texts: every padded shape compiles its kernels (shaders) once.
      await embedder.embed(texts);
      console.log(`  ${name} on ${device}: warm, timing ${rows} rows…`);
      const t0 = performance.now();
      const out = await embedder.embed(texts);
      const ms = performance.now() - t0;
      if (device === 'cpu') cpuValues = out.values;
      let diff: number | null = null;
      if (cpuValues && device !== 'cpu') {
        diff = 0;
        for (let i = 0; i < out.values.length; i++) {
          const a = out.values[i]!;
          const b = cpuValues[i]!;
          for (let j = 0; j < a.length; j++) diff = Math.max(diff, Math.abs(a[j] - b[j]));
        }
      }
      const tokensPerSec = tokens / (ms / 1000);
      const gpuAdapter = device === 'webgpu' ? adapter : undefined;
      const peak = fp32PeakTflops(gpuAdapter);
      const mfu = device === 'cpu' ? 'n/a' : peak ? `${((tokensPerSec * flopsPerToken) / (peak * 1e12) * 100).toFixed(2)}% of ${peak} TFLOP/s` : 'unknown (peak unknown' + (gpuAdapter?.software ? ': software adapter' : '') + ')';
      table.push({
        model: name,
        device,
        adapter: gpuAdapter ? describeAdapter(gpuAdapter) : device === 'cpu' ? `${threads} threads` : 'CUDA',
        rowsPerSec: rows / (ms / 1000),
        tokensPerSec,
        ms,
        maxAbsDiffVsCpu: diff,
        mfu,
        note: `${(flopsPerToken / 1e6).toFixed(1)} MFLOP/token (weights), ${tokens} tokens`,
      });
      await session.dispose();
    }
  }

  const cpuRate = (m: string) => table.find((r) => r.model === m && r.device === 'cpu')?.rowsPerSec ?? NaN;
  const lines = [
    `| model | device | adapter | rows/s | tokens/s | × CPU | max abs diff vs CPU | MFU (FP32) |`,
    `|---|---|---|---:|---:|---:|---:|---|`,
    ...table.map((r) => `| ${r.model} | ${r.device} | ${r.adapter || r.note} | ${r.rowsPerSec.toFixed(1)} | ${r.tokensPerSec.toFixed(0)} | ${(r.rowsPerSec / cpuRate(r.model)).toFixed(2)} | ${r.maxAbsDiffVsCpu === null ? '—' : r.maxAbsDiffVsCpu.toExponential(1)} | ${r.mfu} |`),
  ];
  const meta = { date: new Date().toISOString(), rows, maxWords, threads, probe: probe.summary, notes };
  console.log(`\n${rows} texts (bench/local.bench.ts's mixed lengths${maxWords < 10_000 ? `, at most ${maxWords} words` : ''}), ${threads} CPU threads; same texts and pipeline on every device.\n`);
  console.log(lines.join('\n'));
  for (const n of notes) console.log(`  ${n}`);
  const outDir = join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'gpu.json'), `${JSON.stringify({ ...meta, results: table }, null, 2)}\n`);
  writeFileSync(join(outDir, 'gpu.md'), `# gpu bench (${meta.date})\n\n${probe.summary}\n\n${lines.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
}
