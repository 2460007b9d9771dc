// Local embedding backends against their peers, same MiniLM-L6-shaped model files (synthetic
// weights, HF layout) and the same deterministic mixed-length texts:
//   • browser: our LocalRuntime (onnxruntime-web WASM) vs @huggingface/transformers
//     feature-extraction (WASM), each in a fresh page of the same headless Chromium, same threads;
//   • Node: our LocalRuntime (onnxruntime-node) vs a plain onnxruntime-node loop over the same
//     batches of consecutive rows (tokenize → pad to the batch's longest row → run → pool).
//   npm run bench -- local [--rows 2000] [--batch 32] [--skip-browser] [--skip-node]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import * as ort from 'onnxruntime-node';
import { launchChromium } from '../e2e/browser';
import { buildPages } from '../e2e/pages-build';
import { serveStatic } from '../e2e/static-server';
import type { BenchRequest, BenchResult } from '../e2e/pages/bench-ours';
import { copyOrtAssets } from '../scripts/copy-ort-assets';
import { LocalRuntime } from '../src/client/local-runtime-node';
import { loadBertBaseUncasedVocab } from '../src/model/bert/bert-base-uncased-vocab';
import { ensureSyntheticBert } from '../src/model/bert/generate';
import { mulberry32 } from '../src/model/bert/prng';
import { createWordPieceTokenizer } from '../src/model/bert/wordpiece-tokenizer';
import { meanPoolNormalize } from '../src/model/pooling';

const here = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(here, '..');

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${name} must be a positive integer, got ${args[i + 1]}`);
  return v;
}

/**
 * Deterministic mixed-length English-like texts from real bert-base-uncased words: 70% short
 * (3–20 words), 25% medium (20–80), 5% long (80–300, past the 512-token limit sometimes).
 */
export function benchTexts(rows: number, seed = 2024): string[] {
  const words = loadBertBaseUncasedVocab().filter((w) => /^[a-z]{2,12}$/.test(w));
  const rand = mulberry32(seed);
  const pick = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  return Array.from({ length: rows }, () => {
    const r = rand();
    const n = r < 0.7 ? pick(3, 20) : r < 0.95 ? pick(20, 80) : pick(80, 300);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(words[Math.floor(rand() * words.length)] + (rand() < 0.08 ? ',' : ''));
    return `${out.join(' ')}.`;
  });
}

interface Row {
  side: string;
  runtime: string;
  rowsPerSec: number;
  ms: number;
  threads: number;
  detail: string;
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((r, i) => r.forEach((x, j) => (m = Math.max(m, Math.abs(x - b[i][j])))));
  return m;
}

async function nodeSide(dir: string, texts: string[], batch: number): Promise<{ ours: Row; plain: Row; diff: number }> {
  const threads = Math.min(8, Math.max(1, availableParallelism()));
  // Ours: the public API, chunks of `batch` rows through the engine.
  const rt = new LocalRuntime({ model: { folder: dir }, device: 'cpu' });
  const info = await rt.info();
  await rt.embedTexts(texts.slice(0, 4));
  const table = new Table({ text: vectorFromArray(texts, new Utf8()) });
  let t = performance.now();
  const res = await rt.function('embed').chunkedCall(table, { chunkSize: batch });
  const oursMs = performance.now() - t;
  const col = res.table.getChild('result')!;
  const oursSample = [0, 1, 2].map((i) => Array.from(col.get(i)!.toArray() as Float32Array));
  await rt.dispose();

  // Plain loop: same tokenizer, same consecutive batches, pad to each batch's longest row.
  const tok = createWordPieceTokenizer(readFileSync(join(dir, 'tokenizer.json'), 'utf8'), {
    tokenizerConfig: JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')),
  });
  const session = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const runBatch = async (rows: string[]) => {
    const enc = rows.map((x) => tok.encode(x).ids);
    const seq = Math.max(...enc.map((e) => e.length));
    const ids = new BigInt64Array(rows.length * seq);
    const mask = new BigInt64Array(rows.length * seq);
    enc.forEach((e, b) => e.forEach((id, j) => ((ids[b * seq + j] = BigInt(id)), (mask[b * seq + j] = 1n))));
    const dims = [rows.length, seq];
    const out = await session.run({
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(rows.length * seq), dims),
    });
    const h = out.last_hidden_state;
    return meanPoolNormalize(h.data as Float32Array, mask, rows.length, seq, h.dims[2]);
  };
  await runBatch(texts.slice(0, 4));
  t = performance.now();
  let first: Float32Array | undefined;
  for (let i = 0; i < texts.length; i += batch) {
    const v = await runBatch(texts.slice(i, i + batch));
    first ??= v;
  }
  const plainMs = performance.now() - t;
  await session.release();
  const dim = first!.length / Math.min(batch, texts.length);
  const plainSample = [0, 1, 2].map((i) => Array.from(first!.subarray(i * dim, (i + 1) * dim)));
  return {
    ours: { side: 'node', runtime: 'embedbook LocalRuntime (onnxruntime-node)', rowsPerSec: texts.length / (oursMs / 1000), ms: oursMs, threads, detail: info.deviceReason },
    plain: { side: 'node', runtime: 'plain onnxruntime-node loop', rowsPerSec: texts.length / (plainMs / 1000), ms: plainMs, threads, detail: `intraOpNumThreads ${threads}, batches of ${batch} consecutive rows` },
    diff: maxAbsDiff(oursSample, plainSample),
  };
}

async function browserSide(dir: string, texts: string[], batch: number): Promise<{ ours: Row; hf: Row; diff: number; external: string[] }> {
  copyOrtAssets();
  const dist = await buildPages();
  const server = await serveStatic({
    '/': dist,
    '/ort/': join(ROOT, 'public', 'ort'),
    '/hf-ort/': join(ROOT, 'node_modules', '@huggingface', 'transformers', 'node_modules', 'onnxruntime-web', 'dist'),
    '/bench-models/synthetic-bert-minilm/': dir,
  });
  const browser = await launchChromium();
  const external: string[] = [];
  try {
    const req: BenchRequest = { modelUrl: '/bench-models/synthetic-bert-minilm/', texts, batch, sample: 3 };
    const open = async (page: string) => {
      const p = await browser.newPage();
      p.on('request', (r) => {
        if (!r.url().startsWith(server.url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) external.push(r.url());
      });
      await p.goto(`${server.url}/${page}.html`);
      await p.waitForSelector('body[data-ready="true"]');
      return p;
    };
    const ourPage = await open('bench-ours');
    const ours: BenchResult = await ourPage.evaluate((r) => window.benchOurs(r), req);
    await ourPage.close();
    const hfPage = await open('bench-hf');
    const hf: BenchResult = await hfPage.evaluate((r) => window.benchHf(r), { ...req, threads: ours.threads });
    await hfPage.close();
    return {
      ours: { side: 'chromium', runtime: 'embedbook LocalRuntime (onnxruntime-web 1.30 WASM)', rowsPerSec: texts.length / (ours.ms / 1000), ms: ours.ms, threads: ours.threads, detail: ours.detail },
      hf: { side: 'chromium', runtime: '@huggingface/transformers feature-extraction', rowsPerSec: texts.length / (hf.ms / 1000), ms: hf.ms, threads: hf.threads, detail: hf.detail },
      diff: maxAbsDiff(ours.sample, hf.sample),
      external,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

export async function main(args: string[]): Promise<void> {
  const rows = arg(args, 'rows', 2000);
  const batch = arg(args, 'batch', 32);
  const model = ensureSyntheticBert('minilm');
  const texts = benchTexts(rows);
  const words = texts.reduce((s, t) => s + t.split(' ').length, 0);
  console.log(`model: ${model.dir} (MiniLM-L6 shape, synthetic weights); ${rows} texts, ${Math.round(words / rows)} words/text on average; batches of ${batch} rows`);

  const table: Row[] = [];
  const ratios: Record<string, number> = {};
  const checks: Record<string, number> = {};
  let external: string[] = [];
  if (!args.includes('--skip-browser')) {
    const b = await browserSide(model.dir, texts, batch);
    table.push(b.ours, b.hf);
    ratios.browser = b.ours.rowsPerSec / b.hf.rowsPerSec;
    checks.browserMaxAbsDiff = b.diff;
    external = b.external;
    if (external.length) throw new Error(`the browser fetched outside the local server: ${external.join(', ')}`);
  }
  if (!args.includes('--skip-node')) {
    const n = await nodeSide(model.dir, texts, batch);
    table.push(n.ours, n.plain);
    ratios.node = n.ours.rowsPerSec / n.plain.rowsPerSec;
    checks.nodeMaxAbsDiff = n.diff;
  }

  console.table(table.map((r) => ({ side: r.side, runtime: r.runtime, 'rows/s': r.rowsPerSec.toFixed(1), 'time (s)': (r.ms / 1000).toFixed(1), threads: r.threads })));
  if (ratios.browser !== undefined) console.log(`browser: ours / transformers.js = ${ratios.browser.toFixed(2)}× (target ≥ 1.5×); sample max abs diff ${checks.browserMaxAbsDiff.toExponential(2)}`);
  if (ratios.node !== undefined) console.log(`node: ours / plain loop = ${ratios.node.toFixed(2)}× (target ≥ 1.0×); sample max abs diff ${checks.nodeMaxAbsDiff.toExponential(2)}`);

  const outDir = join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const meta = { date: new Date().toISOString(), rows, batch, model: 'synthetic MiniLM-L6 shape (hidden 384, 6 layers, 12 heads, FFN 1536, vocab 30522)', cores: availableParallelism() };
  writeFileSync(join(outDir, 'local.json'), `${JSON.stringify({ ...meta, results: table, ratios, checks }, null, 2)}\n`);
  const md = [
    `# local backends (${meta.date.slice(0, 10)})`,
    '',
    `${rows} deterministic mixed-length texts, batches of ${batch} rows, ${meta.model}, ${meta.cores} CPU cores.`,
    '',
    '| side | runtime | rows/s | time (s) | threads | detail |',
    '|---|---|---:|---:|---:|---|',
    ...table.map((r) => `| ${r.side} | ${r.runtime} | ${r.rowsPerSec.toFixed(1)} | ${(r.ms / 1000).toFixed(1)} | ${r.threads} | ${r.detail} |`),
    '',
    ...(ratios.browser !== undefined ? [`- Chromium WASM: ours / transformers.js = **${ratios.browser.toFixed(2)}×** (target ≥ 1.5×); vectors agree to ${checks.browserMaxAbsDiff.toExponential(1)}.`] : []),
    ...(ratios.node !== undefined ? [`- Node: ours / plain onnxruntime-node loop = **${ratios.node.toFixed(2)}×** (target ≥ 1.0×); vectors agree to ${checks.nodeMaxAbsDiff.toExponential(1)}.`] : []),
    '',
  ].join('\n');
  writeFileSync(join(outDir, 'local.md'), md);
  console.log(`wrote ${join(outDir, 'local.json')} and local.md`);
}
