// Local embedding backends against their peers, same MiniLM-L6-shaped model files (synthetic
// weights, HF layout) and the same deterministic mixed-length texts:
//   • browser: our LocalRuntime (onnxruntime-web WASM) vs @huggingface/transformers
//     feature-extraction (WASM), each in its own page of the same headless Chromium, same threads;
//   • Node: our LocalRuntime (onnxruntime-node) vs a plain onnxruntime-node loop over the same
//     batches of consecutive rows (tokenize → pad to the batch's longest row → run → pool).
// Contenders take turns batch by batch (rotating who goes first) so load on a shared machine
// hits all of them alike.
// Also: the app's local path (default model in a Web Worker, the app's call sizes and chunking) in
// Chromium — its pool of inference workers at 1 worker × 1 thread vs every core, and main's former
// single session at 1 thread vs every core (same texts, interleaved), and tokens/s with the share of this machine's FLOP peak (bench/flop-peak.ts).
//   npm run bench -- local [--rows 2000] [--batch 32] [--skip-browser] [--skip-node] [--skip-threads]
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import * as ort from 'onnxruntime-node';
import type { Page } from 'playwright-core';
import { launchChromium } from '../e2e/browser';
import { buildPages, pagePath } from '../e2e/pages-build';
import { serveStatic } from '../e2e/static-server';
import { copyOrtAssets } from '../scripts/copy-ort-assets';
import { LocalRuntime } from '../src/client/local-runtime-node';
import { loadBertBaseUncasedVocab } from '../src/model/bert/bert-base-uncased-vocab';
import { ensureSyntheticBert } from '../src/model/bert/generate';
import { mulberry32 } from '../src/core/prng';
import { createWordPieceTokenizer } from '../src/model/bert/wordpiece-tokenizer';
import { planSubBatches } from '../src/model/pipeline/batching';
import { meanPoolNormalize } from '../src/model/pooling';
import { bertFlopsPerToken, flopPeak } from './flop-peak';
import { APP_CHUNKING } from '../src/app/stores/chunking-defaults';
import { DEFAULT_MODEL, loadDefaultTokenizer } from '../src/model/use/default-model';
import { wasmPlan } from '../src/worker/wasm-threads';
import type { AppEmbedConfig } from '../e2e/pages/workers/app-embed.worker';

/** The synthetic MiniLM-L6 shape (src/model/bert/generate.ts 'minilm'). */
const MINILM = { hidden: 384, layers: 6, ffn: 1536 };

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
  /** Tokens the model read per second (no padding), where counted. */
  tokensPerSec?: number;
  /** Chromium's CPU time per row (the app's path only: descendantsCpuSeconds). */
  cpuMsPerRow?: number;
  /** Share of this machine's native FP32 peak reached (MiniLM rows: analytic FLOPs per token). */
  peakShare?: number;
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((r, i) => r.forEach((x, j) => (m = Math.max(m, Math.abs(x - b[i][j])))));
  return m;
}

/** Runs one batch with each contender in a rotating order, so all see the same machine load. */
async function interleaved(batches: number, contenders: Array<(k: number) => Promise<void>>): Promise<number[]> {
  const ms = contenders.map(() => 0);
  for (let k = 0; k < batches; k++) {
    for (let j = 0; j < contenders.length; j++) {
      const c = (j + k) % contenders.length;
      const t = performance.now();
      await contenders[c](k);
      ms[c] += performance.now() - t;
    }
  }
  return ms;
}

const THREAD_RATIOS = ['threads', 'threadsVsMainOneThread', 'mainThreads', 'poolVsMain', 'int8', 'poolCpuPerRow', 'mainCpuPerRow'];

async function nodeSide(dir: string, texts: string[], batch: number): Promise<{ ours: Row; plain: Row; sorted: Row; diff: number }> {
  const threads = Math.min(8, Math.max(1, availableParallelism()));
  // Ours: the public API; each batch is one chunkedCall through the engine.
  const rt = new LocalRuntime({ model: { folder: dir }, device: 'cpu' });
  const info = await rt.info();
  await rt.embedTexts(texts.slice(0, 4));
  const fn = rt.function('embed');
  const table = new Table({ text: vectorFromArray(texts, new Utf8()) });

  // Plain loop: same tokenizer and batches, padded to each batch's longest row.
  const tok = createWordPieceTokenizer(readFileSync(join(dir, 'tokenizer.json'), 'utf8'), {
    tokenizerConfig: JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')),
  });
  const session = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const runEncoded = async (enc: Int32Array[]) => {
    const n = enc.length;
    const seq = Math.max(...enc.map((e) => e.length));
    const ids = new BigInt64Array(n * seq);
    const mask = new BigInt64Array(n * seq);
    enc.forEach((e, b) => e.forEach((id, j) => ((ids[b * seq + j] = BigInt(id)), (mask[b * seq + j] = 1n))));
    const dims = [n, seq];
    const out = await session.run({
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(n * seq), dims),
    });
    const h = out.last_hidden_state;
    return meanPoolNormalize(h.data as Float32Array, mask, n, seq, h.dims[2]);
  };
  await runEncoded(texts.slice(0, 4).map((x) => tok.encode(x).ids));

  const batches = Math.ceil(texts.length / batch);
  const slice = (k: number) => texts.slice(k * batch, (k + 1) * batch);
  let oursSample: number[][] = [];
  let plainSample: number[][] = [];
  let failed = 0;
  const [oursMs, plainMs, sortedMs] = await interleaved(batches, [
    async (k) => {
      const res = await fn.chunkedCall(table.slice(k * batch, (k + 1) * batch), { chunkSize: batch });
      failed += res.failedRows;
      if (k === 0) oursSample = [0, 1, 2].map((i) => Array.from(res.table.getChild('result')!.get(i)!.toArray() as Float32Array));
    },
    async (k) => {
      const v = await runEncoded(slice(k).map((x) => tok.encode(x).ids));
      if (k === 0) plainSample = [0, 1, 2].map((i) => Array.from(v.subarray(i * 384, (i + 1) * 384)));
    },
    // The plain loop with our sub-batch plan but none of our machinery (engine, Arrow, queue):
    // the difference to "ours" is what the engine and pipeline cost.
    async (k) => {
      const enc = slice(k).map((x) => tok.encode(x).ids);
      for (const sub of planSubBatches(enc.map((e) => e.length))) await runEncoded(sub.rows.map((r) => enc[r]));
    },
  ]);
  if (failed) throw new Error(`${failed} rows failed in our runtime`);
  const tokens = texts.reduce((n, x) => n + tok.encode(x).ids.length, 0);
  await session.release();
  await rt.dispose();
  const row = (runtime: string, ms: number, detail: string): Row => ({ side: 'node', runtime, rowsPerSec: texts.length / (ms / 1000), ms, threads, detail });
  return {
    ours: { ...row('embedbook LocalRuntime (onnxruntime-node)', oursMs, info.deviceReason), tokensPerSec: tokens / (oursMs / 1000) },
    plain: row('plain onnxruntime-node loop', plainMs, `intraOpNumThreads ${threads}, batches of ${batch} consecutive rows padded to their longest`),
    sorted: row('plain loop + our length-sorted sub-batches', sortedMs, 'isolates the engine/pipeline overhead'),
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
    const open = async (name: string) => {
      const p = await browser.newPage();
      p.on('request', (r) => {
        if (!r.url().startsWith(server.url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) external.push(r.url());
      });
      await p.goto(`${server.url}${pagePath(name)}`);
      await p.waitForSelector('body[data-ready="true"]');
      return p;
    };
    const modelUrl = '/bench-models/synthetic-bert-minilm/';
    const ourPage = await open('bench-ours');
    const ourInfo = await ourPage.evaluate((r) => window.benchPage.init(r), { modelUrl });
    const hfPage = await open('bench-hf');
    const hfInfo = await hfPage.evaluate((r) => window.benchPage.init(r), { modelUrl, threads: ourInfo.threads });
    const samples: number[][][] = [[], []];
    // Page-side timings only (no Playwright round trips), alternating which page goes first.
    const totals = [0, 0];
    let tokens = 0;
    const pages = [ourPage, hfPage];
    for (let k = 0; k * batch < texts.length; k++) {
      for (let j = 0; j < 2; j++) {
        const c = (j + k) % 2;
        const r = await pages[c].evaluate(([t, s]) => window.benchPage.run(t, s), [texts.slice(k * batch, (k + 1) * batch), k === 0 ? 3 : 0] as [string[], number]);
        totals[c] += r.ms;
        if (c === 0) tokens += r.tokens ?? 0;
        if (k === 0) samples[c] = r.vectors;
      }
      if (k % 10 === 9) console.log(`  chromium: ${(k + 1) * batch} rows, ours ${(totals[0] / 1000).toFixed(0)} s, transformers.js ${(totals[1] / 1000).toFixed(0)} s`);
    }
    await ourPage.evaluate(() => window.benchPage.dispose());
    await hfPage.evaluate(() => window.benchPage.dispose());
    const row = (runtime: string, ms: number, threads: number, detail: string): Row => ({ side: 'chromium', runtime, rowsPerSec: texts.length / (ms / 1000), ms, threads, detail });
    return {
      ours: { ...row('embedbook LocalRuntime (onnxruntime-web 1.30 WASM)', totals[0], ourInfo.threads, ourInfo.detail), tokensPerSec: tokens / (totals[0] / 1000) },
      hf: row('@huggingface/transformers feature-extraction', totals[1], hfInfo.threads, hfInfo.detail),
      diff: maxAbsDiff(samples[0], samples[1]),
      external,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * CPU seconds (user + system) used so far by this process's descendants that are still running —
 * the Chromium this bench launched, its renderer (the page, its workers) included — from /proc
 * (Linux; undefined elsewhere). A slice's delta is its configuration's CPU time: the others idle
 * meanwhile. Work per row shows what the load average hides: a configuration that does no extra
 * work per row scales with the cores it is given.
 */
function descendantsCpuSeconds(): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state ppid … utime(14) stime(15).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(pid), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // The process ended while listing.
    }
  }
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  let ticks = 0;
  const todo = [...(children.get(process.pid) ?? [])];
  while (todo.length) {
    const pid = todo.pop()!;
    ticks += stats.get(pid)?.ticks ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** Cores Chromium keeps busy over 5 s while `page` idles (undefined without /proc). */
async function idleCores(page: Page): Promise<number | undefined> {
  const cpu0 = descendantsCpuSeconds();
  const t0 = performance.now();
  await page.waitForTimeout(5000);
  const cpu1 = descendantsCpuSeconds();
  return cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) / ((performance.now() - t0) / 1000) : undefined;
}

const fmtCores = (n: number | undefined) => (n === undefined ? '?' : n.toFixed(2));

/** One configuration of the app's local path (see threadsSide). */
interface ThreadsConfig extends AppEmbedConfig {
  name: string;
}

/**
 * The app's local path in Chromium: the default model in a Web Worker through createLocalBackend
 * (the app's call sizes) and fn.chunkedCall with the Chunking cell's defaults (chunk_size 64 ×
 * concurrent_chunks 2), in five configurations: the app's pool of inference workers at 1 worker ×
 * 1 thread (the baseline) and at every core (N workers × 1 thread: what the app runs), main's
 * former single session at 1 thread and at every core (onnxruntime-web's intra-op thread pool), and
 * the app's pool in int8. In one page, slices of chunk_size × concurrent_chunks rows go to each in
 * turn (rotating who goes first) on the same texts; times are taken inside the workers. Then the
 * tab's memory with the app's pool alone and with main's single session alone (fresh pages).
 */
async function threadsSide(texts: string[]): Promise<{ rows: Row[]; ratios: Record<string, number>; memory: Record<string, number> }> {
  copyOrtAssets();
  const dist = await buildPages();
  const server = await serveStatic({ '/': dist, '/ort/': join(ROOT, 'public', 'ort'), '/models/': join(ROOT, 'public', 'models') });
  const browser = await launchChromium();
  const cores = Math.min(8, availableParallelism());
  const plan = wasmPlan(cores, true);
  const configs: ThreadsConfig[] = [
    { name: 'app pool, 1 worker × 1 thread', workers: 1, threadsPerWorker: 1 },
    { name: `app pool, ${plan.workers} workers × ${plan.threadsPerWorker} thread`, ...plan },
    { name: "main's single session, 1 thread", workers: 1, threadsPerWorker: 1, singleSession: true },
    { name: `main's single session, ${cores} threads`, workers: cores, threadsPerWorker: 1, singleSession: true },
    { name: `app pool int8, ${plan.workers} workers × ${plan.threadsPerWorker} thread`, ...plan, dtype: 'q8' },
  ];
  const openPage = async () => {
    const p = await browser.newPage();
    p.on('pageerror', (e) => console.error(`  bench-app page error: ${e.message}`));
    await p.goto(`${server.url}${pagePath('bench-app')}`);
    await p.waitForSelector('body[data-ready="true"]');
    return p;
  };
  try {
    // The tab's memory with one configuration loaded and warm, each in a fresh page.
    const memory: Record<string, number> = {};
    const bare = await openPage();
    console.log(`  Chromium idle, bench page with nothing loaded: ${fmtCores(await idleCores(bare))} cores busy`);
    await bare.close();
    for (const c of [configs[1], configs[3]]) {
      const p = await openPage();
      await p.evaluate((cfg) => window.benchApp.init([cfg]), c);
      console.log(`  Chromium idle, ${c.name} loaded alone: ${fmtCores(await idleCores(p))} cores busy`);
      const bytes = await p.evaluate(() => window.benchApp.memory());
      if (bytes !== undefined) memory[c.name] = bytes;
      console.log(`  tab memory, ${c.name}: ${bytes === undefined ? 'not measurable here' : `${(bytes / 2 ** 20).toFixed(0)} MiB`}`);
      await p.evaluate(() => window.benchApp.dispose());
      await p.close();
    }

    const p = await openPage();
    const info = await p.evaluate((c) => window.benchApp.init(c), configs);
    // What Chromium burns with every configuration loaded and none running: it is charged to every
    // slice (and competes for the cores the 2-thread configurations need).
    // Right after loading, V8 keeps compiling onnxruntime's 28 MB WASM module in the background
    // (optimising tier, per worker): wait until that settles so no configuration's slices pay for
    // another's start-up (up to a minute).
    for (let w = 0; w < 12; w++) {
      const busy = await idleCores(p);
      console.log(`  Chromium idle with every configuration loaded: ${fmtCores(busy)} cores busy`);
      if (busy === undefined || busy < 0.15) break;
    }
    const chunking = { chunkSize: APP_CHUNKING.chunkSize, concurrentChunks: APP_CHUNKING.concurrentChunks };
    const slice = chunking.chunkSize * chunking.concurrentChunks;
    const ms = configs.map(() => 0);
    const cpu = configs.map(() => 0);
    let failed = 0;
    for (let k = 0; k * slice < texts.length; k++) {
      for (let j = 0; j < configs.length; j++) {
        const c = (j + k) % configs.length;
        const cpu0 = descendantsCpuSeconds();
        const r = await p.evaluate(([i, t, ch]) => window.benchApp.run(i, t, ch), [c, texts.slice(k * slice, (k + 1) * slice), chunking] as const);
        const cpu1 = descendantsCpuSeconds();
        if (cpu0 !== undefined && cpu1 !== undefined) cpu[c] += cpu1 - cpu0;
        ms[c] += r.ms;
        failed += r.failedRows;
      }
      if (k % 4 === 3) console.log(`  app worker: ${Math.min(texts.length, (k + 1) * slice)} rows, ${ms.map((x, i) => `${configs[i].name}: ${(x / 1000).toFixed(0)} s (CPU ${cpu[i].toFixed(0)} s)`).join(', ')}`);
    }
    if (failed) throw new Error(`${failed} rows failed in the app's worker path`);
    await p.evaluate(() => window.benchApp.dispose());
    // Tokens the model read (SentencePiece ids, cut at its maximum length), the same for all.
    const tok = loadDefaultTokenizer(JSON.parse(readFileSync(join(ROOT, 'public', DEFAULT_MODEL.publicDir, DEFAULT_MODEL.files.vocab), 'utf8')));
    const tokens = texts.reduce((n, x) => n + Math.min(tok.encode(x).ids.length, DEFAULT_MODEL.maxLength), 0);
    const rows = configs.map(
      (c, i): Row => ({
        side: 'chromium (default model)',
        runtime: `the app's worker path, default model${c.dtype ? ' int8' : ''}: ${c.name}`,
        rowsPerSec: texts.length / (ms[i] / 1000),
        ms: ms[i],
        threads: info[i].threads,
        detail: `${info[i].detail}; chunk_size ${chunking.chunkSize} × concurrent_chunks ${chunking.concurrentChunks}; Chromium CPU ${((cpu[i] / texts.length) * 1000).toFixed(1)} ms per row, ${(cpu[i] / (ms[i] / 1000)).toFixed(2)} cores busy on average`,
        tokensPerSec: tokens / (ms[i] / 1000),
        cpuMsPerRow: (cpu[i] / texts.length) * 1000,
      }),
    );
    const [one, all, mainOne, mainAll, int8] = rows.map((r) => r.rowsPerSec);
    const ratios: Record<string, number> = { threads: all / one, threadsVsMainOneThread: all / mainOne, mainThreads: mainAll / mainOne, poolVsMain: all / mainAll, int8: int8 / all };
    // CPU per row, N workers / 1 worker: 1.0 means the pool adds no work, so it scales with free cores.
    if (cpu[0] > 0) ratios.poolCpuPerRow = cpu[1] / cpu[0];
    if (cpu[2] > 0) ratios.mainCpuPerRow = cpu[3] / cpu[2];
    return { rows, ratios, memory };
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

  // A run that skips a side keeps that side's previous numbers in the results files.
  const outDir = join(here, 'results');
  const previous = (() => {
    try {
      return JSON.parse(readFileSync(join(outDir, 'local.json'), 'utf8')) as { results: Row[]; ratios: Record<string, number>; checks: Record<string, number> };
    } catch {
      return { results: [], ratios: {}, checks: {} };
    }
  })();
  const table: Row[] = [];
  const ratios: Record<string, number> = {};
  const checks: Record<string, number> = {};
  const keep = (side: string, ratio: string, check: string) => {
    table.push(...previous.results.filter((r) => r.side === side));
    if (previous.ratios[ratio] !== undefined) ratios[ratio] = previous.ratios[ratio];
    if (previous.checks[check] !== undefined) checks[check] = previous.checks[check];
  };
  let external: string[] = [];
  if (!args.includes('--skip-browser')) {
    const b = await browserSide(model.dir, texts, batch);
    table.push(b.ours, b.hf);
    ratios.browser = b.ours.rowsPerSec / b.hf.rowsPerSec;
    checks.browserMaxAbsDiff = b.diff;
    external = b.external;
    if (external.length) throw new Error(`the browser fetched outside the local server: ${external.join(', ')}`);
    console.log(`chromium done: ours ${b.ours.rowsPerSec.toFixed(1)} rows/s, transformers.js ${b.hf.rowsPerSec.toFixed(1)} rows/s`);
  } else {
    keep('chromium', 'browser', 'browserMaxAbsDiff');
  }
  if (!args.includes('--skip-node')) {
    const n = await nodeSide(model.dir, texts, batch);
    table.push(n.ours, n.plain, n.sorted);
    ratios.node = n.ours.rowsPerSec / n.plain.rowsPerSec;
    ratios.nodeVsSortedLoop = n.ours.rowsPerSec / n.sorted.rowsPerSec;
    checks.nodeMaxAbsDiff = n.diff;
  } else {
    keep('node', 'node', 'nodeMaxAbsDiff');
    if (previous.ratios.nodeVsSortedLoop !== undefined) ratios.nodeVsSortedLoop = previous.ratios.nodeVsSortedLoop;
  }

  if (!args.includes('--skip-threads')) {
    const t = await threadsSide(texts);
    table.push(...t.rows);
    Object.assign(ratios, t.ratios);
    for (const [name, bytes] of Object.entries(t.memory)) checks[`tabMiB ${name}`] = bytes / 2 ** 20;
  } else {
    table.push(...previous.results.filter((r) => r.side === 'chromium (default model)'));
    for (const k of THREAD_RATIOS) if (previous.ratios[k] !== undefined) ratios[k] = previous.ratios[k];
    for (const [k, v] of Object.entries(previous.checks)) if (k.startsWith('tabMiB ')) checks[k] = v;
  }

  // FLOP share for the MiniLM rows (known shape): analytic FLOPs per real token × tokens/s.
  const peak = flopPeak();
  const meanTokens = (() => {
    const r = table.find((x) => x.side === 'node' && x.tokensPerSec);
    return r?.tokensPerSec ? r.tokensPerSec / r.rowsPerSec : 40;
  })();
  const flopsPerToken = bertFlopsPerToken(MINILM, meanTokens);
  for (const r of table) if (r.tokensPerSec && r.side !== 'chromium (default model)') r.peakShare = (r.tokensPerSec * flopsPerToken) / (peak.native * 1e9);
  console.log(`FLOP peak: ${peak.how}`);
  console.log(`MiniLM-L6: ${(flopsPerToken / 1e6).toFixed(1)} MFLOP per token at ${meanTokens.toFixed(0)} tokens/text (2 × (4h² + 2h·ffn + 2·seq·h) × 6 layers)`);

  console.table(
    table.map((r) => ({
      side: r.side,
      runtime: r.runtime,
      'rows/s': r.rowsPerSec.toFixed(1),
      'tokens/s': r.tokensPerSec?.toFixed(0) ?? '',
      'of peak': r.peakShare !== undefined ? `${(r.peakShare * 100).toFixed(1)}%` : '',
      'time (s)': (r.ms / 1000).toFixed(1),
      threads: r.threads,
    })),
  );
  if (ratios.threads !== undefined) {
    const app = table.filter((r) => r.side === 'chromium (default model)');
    const tps = (r: Row | undefined) => `${r?.tokensPerSec?.toFixed(0) ?? '?'} tokens/s (${r?.rowsPerSec.toFixed(1) ?? '?'} rows/s)`;
    const [one, all, mainOne, mainAll] = app;
    console.log(`chromium, the app's worker path, default model, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}:`);
    console.log(`  app pool: 1 worker × 1 thread ${tps(one)}, ${all?.threads ?? '?'} threads as workers ${tps(all)}: ${ratios.threads.toFixed(2)}× (target ≥ 1.8×); ${ratios.threadsVsMainOneThread.toFixed(2)}× main's 1-thread session`);
    console.log(`  main's single session: 1 thread ${tps(mainOne)}, ${mainAll?.threads ?? '?'} threads ${tps(mainAll)}: ${ratios.mainThreads.toFixed(2)}×; the app's pool / main's session at every core: ${ratios.poolVsMain.toFixed(2)}×`);
    console.log(`  int8 (model.int8.onnx) / fp32, app pool at every core: ${ratios.int8.toFixed(2)}×`);
    const cpuRow = (r: Row | undefined) => `${r?.cpuMsPerRow?.toFixed(1) ?? '?'} ms`;
    if (ratios.poolCpuPerRow !== undefined) console.log(`  Chromium CPU per row: app pool 1 worker ${cpuRow(one)}, every core ${cpuRow(all)} (${ratios.poolCpuPerRow.toFixed(2)}×); main's session 1 thread ${cpuRow(mainOne)}, every core ${cpuRow(mainAll)} (${ratios.mainCpuPerRow?.toFixed(2) ?? '?'}×)`);
    for (const [k, v] of Object.entries(checks)) if (k.startsWith('tabMiB ')) console.log(`  tab memory (measureUserAgentSpecificMemory), ${k.slice(7)}: ${v.toFixed(0)} MiB`);
  }
  if (ratios.browser !== undefined) console.log(`browser: ours / transformers.js = ${ratios.browser.toFixed(2)}× (target ≥ 1.5×); sample max abs diff ${checks.browserMaxAbsDiff.toExponential(2)}`);
  if (ratios.node !== undefined) console.log(`node: ours / plain loop = ${ratios.node.toFixed(2)}× (target ≥ 1.0×); sample max abs diff ${checks.nodeMaxAbsDiff.toExponential(2)}`);
  if (ratios.nodeVsSortedLoop !== undefined) console.log(`node: ours / plain loop with our sub-batch plan = ${ratios.nodeVsSortedLoop.toFixed(2)}× (engine + pipeline overhead)`);

  mkdirSync(outDir, { recursive: true });
  const meta = { peak: peak.how, date: new Date().toISOString(), rows, batch, model: 'synthetic MiniLM-L6 shape (hidden 384, 6 layers, 12 heads, FFN 1536, vocab 30522)', cores: availableParallelism() };
  writeFileSync(join(outDir, 'local.json'), `${JSON.stringify({ ...meta, results: table, ratios, checks }, null, 2)}\n`);
  const md = [
    `# local backends (${meta.date.slice(0, 10)})`,
    '',
    `${rows} deterministic mixed-length texts, batches of ${batch} rows, ${meta.model}, ${meta.cores} CPU cores.`,
    '',
    '| side | runtime | rows/s | tokens/s | of FP32 peak | time (s) | threads | detail |',
    '|---|---|---:|---:|---:|---:|---:|---|',
    ...table.map(
      (r) =>
        `| ${r.side} | ${r.runtime} | ${r.rowsPerSec.toFixed(1)} | ${r.tokensPerSec?.toFixed(0) ?? ''} | ${r.peakShare !== undefined ? `${(r.peakShare * 100).toFixed(1)}%` : ''} | ${(r.ms / 1000).toFixed(1)} | ${r.threads} | ${r.detail} |`,
    ),
    '',
    `- FLOP peak: ${peak.how}. Share = tokens/s × ${(flopsPerToken / 1e6).toFixed(1)} MFLOP/token (MiniLM-L6: 2 × (4h² + 2h·ffn + 2·seq·h) × 6 layers at ${meanTokens.toFixed(0)} real tokens/text; padding not counted) / native peak.`,
    ...(ratios.threads !== undefined
      ? [
          `- Chromium, the app's local path (default model in a Web Worker, its pool of 1-thread inference workers, the app's call sizes, chunk_size ${APP_CHUNKING.chunkSize} × concurrent_chunks ${APP_CHUNKING.concurrentChunks}): every core as workers / 1 worker × 1 thread = **${ratios.threads.toFixed(2)}×** on the same texts (target ≥ 1.8×); / main's 1-thread session ${ratios.threadsVsMainOneThread.toFixed(2)}×. Main's single session (onnxruntime-web's intra-op threads): every core / 1 thread ${ratios.mainThreads.toFixed(2)}×; pool / single session at every core ${ratios.poolVsMain.toFixed(2)}×.`,
        ]
      : []),
    ...(ratios.browser !== undefined ? [`- Chromium WASM: ours / transformers.js = **${ratios.browser.toFixed(2)}×** (target ≥ 1.5×); vectors agree to ${checks.browserMaxAbsDiff.toExponential(1)}.`] : []),
    ...(ratios.node !== undefined ? [`- Node: ours / plain onnxruntime-node loop = **${ratios.node.toFixed(2)}×** (target ≥ 1.0×); vectors agree to ${checks.nodeMaxAbsDiff.toExponential(1)}.`] : []),
    ...(ratios.nodeVsSortedLoop !== undefined ? [`- Node: ours / plain loop using our sub-batch plan = ${ratios.nodeVsSortedLoop.toFixed(2)}× (the cost of the engine, Arrow and the queue).`] : []),
    '',
  ].join('\n');
  writeFileSync(join(outDir, 'local.md'), md);
  console.log(`wrote ${join(outDir, 'local.json')} and local.md`);
}
