// Queue overhead: the same model, the same batches (chunk = batch = 25 and 64 rows), run
//   (a) directly: an in-process onnxruntime-node loop (Embedder + session, no queue), and
//   (b) through the function-queue server over loopback HTTP: client POSTs a chunk as Arrow IPC,
//       long-polls the result; one worker thread with the same thread count runs the same pipeline.
// The queue side of (b) goes through the real client: `new Remote({ url }).function(name)` —
// throughput with its chunkedCall (--concurrency chunks in flight), per-chunk overhead with its
// engine-facing batchFunction (what chunkedCall runs per chunk: POST ?wait=S, long-poll if 202,
// Arrow decode into the engine's values).
// Throughput: chunks pipelined (--concurrency, default 2) vs the direct loop (target ≥ 0.95×).
// Overhead per chunk: sequential chunks, end-to-end latency minus the handler time the worker
// measured (Server-Timing: handler;dur=…) — i.e. everything the queue adds (target p50 < 2 ms).
// Its server-side part: for each request of the chunk, fastify's request arrival (onRequest) →
// response sent (onResponse, reply.elapsedTime), summed, minus the handler time.
// Then (c) the server as `embedbook serve` starts it — its default pool, one single-threaded worker
// per core, each holding the next batch — through the real client: the headline throughput.
// Also: the same overhead with POST ?wait (result in the submit answer: one round trip), and with a
// handler that does nothing (the queue's own cost); with a lean node:http client instead of fetch;
// a bare GET round trip (the HTTP floor); and a per-phase breakdown of one chunk's overhead.
// And this machine's share: the same path through handlers that only sleep, next to a bare fastify
// route + node:http + one worker hop with the same sleeps and bytes (bench/floor.ts), the queue
// itself behind leaner HTTP stacks, and a probe of what a 40 ms pause does to a few small operations.
//   npm run bench -- queue [--rows 640] [--threads N] [--concurrency 2] [--rounds 5]
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { createNodeSession } from '../src/model/node-session';
import { Embedder } from '../src/model/pipeline/embedder';
import { defaultModelDir, loadNodeModel } from '../src/model/registry-node';
import { ensureSyntheticBert } from '../src/model/bert/generate';
import { FIDELITY_SENTENCES } from '../src/model/use/fidelity-sentences';
import { createServer } from '../src/server/create-server';
import type { ModelSource } from '../src/server/worker/protocol';
import { Remote } from '../src/client/remote-node';
import type { FetchLike, WireResponse } from '../src/client/http-transport';
import { createNodeHttpFetch } from '../src/client/node-http-fetch';
import { writeResults } from './write-results';
import { bareFloor, coldProbe, pct, queueBehindStacks, type ColdRow, type FloorRow, type StackRow } from './floor';

const ARROW = 'application/vnd.apache.arrow.stream';
const SIZES = [25, 64];
const NOOP_BUNDLE = 'export default { handler: (text) => text.map(() => 0) };';
/** Handlers that do nothing for `ms` (the threads sleep) and answer 512-d vectors, as the model would. */
const IDLE_MS = [0, 5, 20, 40];
const idleBundle = (ms: number) =>
  `export default { handler: async (text) => { ${ms ? `await new Promise((r) => setTimeout(r, ${ms}));` : ''} return text.map(() => new Float32Array(512).fill(0.5)); } };`;

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${name} must be a positive integer, got ${args[i + 1]}`);
  return v;
}

function chunksOf(texts: string[], size: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < texts.length; i += size) out.push(texts.slice(i, i + size));
  return out;
}

/** The Node client's transport (node:http keep-alive): the same requests as fetch, minus undici's cost. */
const nodeHttp = createNodeHttpFetch();

/**
 * One chunk through the queue, raw HTTP (no client library), over `send` (global fetch by default).
 * 'poll': POST (202 + call id) then long-poll GET, as docs/http-api.md describes. 'wait': POST
 * ?wait=60 answers with the result itself (one round trip).
 */
async function callChunk(url: string, fn: string, chunk: string[], mode: 'poll' | 'wait' = 'poll', send: FetchLike = fetch): Promise<{ ms: number; handlerMs: number }> {
  const t0 = performance.now();
  const body = tableToIPC(new Table({ text: vectorFromArray(chunk, new Utf8()) }), 'stream');
  const sub = await send(`${url}/functions/${fn}/calls${mode === 'wait' ? '?wait=60' : ''}`, { method: 'POST', headers: { 'content-type': ARROW }, body: body as unknown as BodyInit });
  if (sub.status !== 202 && sub.status !== 200) throw new Error(`submit ${sub.status}: ${await sub.text()}`);
  let first: WireResponse | undefined = sub.status === 200 ? sub : undefined;
  const callId = first ? (sub.headers.get('x-call-id') ?? '') : ((await sub.json()) as { callId: string }).callId;
  for (;;) {
    const res = first ?? (await send(`${url}/calls/${callId}?timeout=60`));
    first = undefined;
    if (res.status === 202) {
      await res.arrayBuffer();
      continue;
    }
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    const ms = performance.now() - t0;
    if (table.numRows !== chunk.length) throw new Error(`expected ${chunk.length} rows, got ${table.numRows}`);
    const handlerMs = Number(/handler;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN);
    return { ms, handlerMs };
  }
}

/** Median round trip of a bare GET /health: the HTTP floor per request on this machine. */
async function rttMs(url: string, send: FetchLike): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    await (await send(`${url}/health`)).arrayBuffer();
    if (i >= 10) xs.push(performance.now() - t0);
  }
  return pct(xs, 50);
}

type Phase = 'clientEncode' | 'postToSubmit' | 'submit' | 'submitToWorker' | 'workerHop' | 'completeAndWake' | 'pollToAnswer' | 'answerToClient' | 'clientDecode';
const PHASES: Phase[] = ['clientEncode', 'postToSubmit', 'submit', 'submitToWorker', 'workerHop', 'completeAndWake', 'pollToAnswer', 'answerToClient', 'clientDecode'];

/**
 * Where one sequential chunk's overhead goes (client, server and worker share this process, so one
 * clock): timestamps around the queue's public methods, taken for this measurement only.
 * workerHop = pool.run time − handler time (postMessage both ways, clone, waking the worker and
 * the server thread); pollToAnswer = the woken long-poll reading the call and encoding the result.
 */
async function phases(server: ReturnType<typeof createServer>, url: string, fn: string, chunks: string[][]): Promise<Record<Phase, number>> {
  const q = server.queue;
  const t: Record<string, number> = {};
  let handlerMs = 0;
  const restore: Array<() => void> = [];
  const wrap = <O extends object, K extends keyof O>(obj: O, key: K, before: string, after: string, seen?: (r: unknown) => void) => {
    const orig = obj[key] as unknown as (...a: unknown[]) => Promise<unknown>;
    (obj as Record<K, unknown>)[key] = async (...a: unknown[]) => {
      t[before] = performance.now();
      const r = await orig.apply(obj, a);
      t[after] = performance.now();
      seen?.(r);
      return r;
    };
    restore.push(() => ((obj as Record<K, unknown>)[key] = orig));
  };
  wrap(q, 'submit', 'submit0', 'submit1');
  wrap(q.pool, 'run', 'run0', 'run1', (r) => (handlerMs = (r as { handlerMs: number }).handlerMs));
  wrap(q.store, 'complete', 'complete0', 'complete1');
  wrap(q, 'poll', 'poll0', 'poll1');
  const out = Object.fromEntries(PHASES.map((p) => [p, [] as number[]])) as Record<Phase, number[]>;
  try {
    for (const chunk of chunks) {
      const t0 = performance.now();
      const body = tableToIPC(new Table({ text: vectorFromArray(chunk, new Utf8()) }), 'stream');
      const tBody = performance.now();
      const sub = await fetch(`${url}/functions/${fn}/calls`, { method: 'POST', headers: { 'content-type': ARROW }, body: body as unknown as BodyInit });
      const { callId } = (await sub.json()) as { callId: string };
      let res: Response;
      for (;;) {
        res = await fetch(`${url}/calls/${callId}?timeout=60`);
        if (res.status !== 202) break;
        await res.arrayBuffer();
      }
      const tHeaders = performance.now();
      tableFromIPC(new Uint8Array(await res.arrayBuffer()));
      const t1 = performance.now();
      // The POST's answer travels while the batch runs: not on the critical path, not counted.
      out.clientEncode.push(tBody - t0);
      out.postToSubmit.push(t.submit0 - tBody);
      out.submit.push(t.submit1 - t.submit0);
      out.submitToWorker.push(t.run0 - t.submit1);
      out.workerHop.push(t.run1 - t.run0 - handlerMs);
      out.completeAndWake.push(t.complete1 - t.run1);
      out.pollToAnswer.push(t.poll1 - t.complete1);
      out.answerToClient.push(tHeaders - t.poll1);
      out.clientDecode.push(t1 - tHeaders);
    }
  } finally {
    for (const r of restore) r();
  }
  return Object.fromEntries(PHASES.map((p) => [p, Number(pct(out[p], 50).toFixed(2))])) as Record<Phase, number>;
}

/**
 * One chunk at a time through the Remote client's per-chunk path (what chunkedCall runs for each
 * chunk: POST ?wait=S, Arrow decode into the engine's values) over the Node client's own transport
 * (node:http keep-alive, as `new Remote({ url })` uses it), noting the handler time the server
 * reports. The chunk's Arrow table and the function handle are made before the clock starts:
 * chunkedCall hands each chunk over as a slice of the input table, and a handle is made once per run.
 * `timing.serverMs` is added up by the caller's fastify hook, if any.
 */
function remoteChunker(url: string, timing: { handlerMs: number; serverMs: number }) {
  const notingFetch: FetchLike = async (u, init) => {
    const res = await nodeHttp(u, init);
    const h = /handler;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '');
    if (h) timing.handlerMs = Number(h[1]);
    return res;
  };
  const remote = new Remote({ url, fetch: notingFetch });
  const handles = new Map<string, ReturnType<Remote['function']>>();
  return async (fn: string, chunk: string[]): Promise<{ ms: number; handlerMs: number; serverMs: number }> => {
    timing.handlerMs = NaN;
    timing.serverMs = 0;
    const table = new Table({ text: vectorFromArray(chunk, new Utf8()) });
    let handle = handles.get(fn);
    if (!handle) handles.set(fn, (handle = remote.function(fn)));
    const t0 = performance.now();
    const out = await handle.batchFunction(table, { signal: new AbortController().signal, chunkIndex: 0, attempt: 1 });
    const ms = performance.now() - t0;
    if (out.values.length !== chunk.length || out.errors?.some((e) => e !== null)) throw new Error(`expected ${chunk.length} ok rows`);
    return { ms, handlerMs: timing.handlerMs, serverMs: timing.serverMs - timing.handlerMs };
  };
}

async function pipelined(chunks: string[][], concurrency: number, run: (c: string[]) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < chunks.length) await run(chunks[next++]);
    }),
  );
  return performance.now() - t0;
}

/**
 * Direct and queue passes over the same rows, alternated `rounds` times. The ratio is the median of
 * each adjacent pair's ratio, since on a shared machine the load drifts by more than the effect
 * being measured. Each pass returns its milliseconds.
 */
async function alternatePasses(rounds: number, rows: number, direct: () => Promise<number>, queue: () => Promise<number>) {
  const pairs: Array<{ direct: number; queue: number }> = [];
  for (let r = 0; r < rounds; r++) {
    const d = rows / ((await direct()) / 1000);
    const q = rows / ((await queue()) / 1000);
    pairs.push({ direct: d, queue: q });
  }
  const ratios = pairs.map((p) => p.queue / p.direct);
  return {
    directRowsPerS: Math.round(pct(pairs.map((p) => p.direct), 50)),
    queueRowsPerS: Math.round(pct(pairs.map((p) => p.queue), 50)),
    ratio: Number(pct(ratios, 50).toFixed(3)),
    ratioRange: `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
  };
}

export async function main(args: string[]): Promise<void> {
  const rows = arg(args, 'rows', 640);
  const threads = arg(args, 'threads', Math.min(8, os.availableParallelism()));
  const concurrency = arg(args, 'concurrency', 2);
  const rounds = arg(args, 'rounds', 5);
  let source: ModelSource;
  let modelLabel: string;
  if (existsSync(path.join(defaultModelDir(), 'config.json'))) {
    source = 'default';
    modelLabel = 'default (USE lite, ONNX, public/models/default)';
  } else {
    const gen = ensureSyntheticBert('minilm');
    source = { folder: gen.dir };
    modelLabel = `synthetic MiniLM-L6 shape (${gen.dir}) — the default model is not built`;
  }
  const texts = Array.from({ length: rows }, (_, i) => FIDELITY_SENTENCES[i % FIDELITY_SENTENCES.length]);
  console.log(`model: ${modelLabel}\nrows per batch size: ${rows}; threads: ${threads}; pipelined chunks: ${concurrency}; cores: ${os.availableParallelism()}; load avg: ${os.loadavg()[0].toFixed(2)}`);

  // (a) Direct in-process loop.
  const loaded = await loadNodeModel(source);
  const session = await createNodeSession(loaded.model, { device: 'cpu', threads });
  const embedder = new Embedder(loaded.tokenizer, session);
  // (b) The queue server: one worker with the same thread count; batches cut by size only.
  const server = createServer({
    port: 0,
    workers: 1,
    threadsPerWorker: threads,
    models: { bench: source },
    functions: SIZES.flatMap((b) => [
      { definition: { name: `embed-${b}`, model: 'bench', maxBatchingSize: b, maxBufferDuration: 10_000, retries: 0 } },
      // The same chunks through a handler that does nothing: the queue's own cost, model aside.
      { definition: { name: `noop-${b}`, maxBatchingSize: b, maxBufferDuration: 10_000, retries: 0, output: 'float64' }, bundle: NOOP_BUNDLE },
    ]).concat(IDLE_MS.map((ms) => ({ definition: { name: `idle-${ms}`, maxBatchingSize: 25, maxBufferDuration: 10_000, retries: 0, output: 'float32[]' }, bundle: idleBundle(ms) }))),
  });
  // Hooks go in before listen: fastify refuses them on a started instance.
  const timing = { handlerMs: NaN, serverMs: 0 };
  server.app.addHook('onResponse', async (_req, reply) => {
    timing.serverMs += reply.elapsedTime;
  });
  const { url } = await server.listen();

  // The real client, with a fetch that notes the handler time the server reports, and fastify
  // hooks that add up each request's arrival → response-sent time (sequential chunks only).
  const remoteChunk = remoteChunker(url, timing);
  const remote = new Remote({ url });
  /** All chunks through Remote.chunkedCall with `inFlight` chunks in flight; wall ms. */
  const remoteAll = async (on: Remote, fn: string, chunks: string[][], b: number, inFlight: number): Promise<number> => {
    const t0 = performance.now();
    const res = await on.function(fn).chunkedCall(new Table({ text: vectorFromArray(chunks.flat(), new Utf8()) }), { chunkSize: b, concurrentChunks: inFlight });
    if (res.failedRows !== 0 || res.table.numRows !== chunks.length * b) throw new Error('chunkedCall lost rows');
    return performance.now() - t0;
  };

  const results: Array<Record<string, number | string>> = [];
  const floor = { fetchRttMs: Number((await rttMs(url, fetch)).toFixed(2)), httpRttMs: Number((await rttMs(url, nodeHttp)).toFixed(2)) };
  const f = (x: number) => Number(x.toFixed(2));
  /** Through the FunctionQueue directly (no HTTP): what batching + the worker hop cost. */
  const inProcess = async (fn: string, chunk: string[]): Promise<number> => {
    const t0 = performance.now();
    const { callId } = await server.queue.submit(fn, new Table({ text: vectorFromArray(chunk, new Utf8()) }));
    const view = await server.queue.poll(callId, 60_000);
    if (!view.done) throw new Error('call did not finish');
    return performance.now() - t0 - view.handlerMs;
  };
  const noop = new Map<number, { http: number[]; inproc: number[] }>();
  const idleFloor: Array<{ sleepMs: number; overheadP50Ms: number; overheadP99Ms: number }> = [];
  let bare: FloorRow[] = [];
  let cold: ColdRow[] = [];
  let stacks: StackRow[] = [];
  try {
    // The same per-chunk path (Remote client, 25 rows, 512-d answers) through handlers that only
    // sleep: what the queue costs back to back (0 ms) and after its threads waited as long as a
    // model batch takes, when the path runs from cold caches.
    for (const ms of IDLE_MS) {
      const chunks = chunksOf(texts, 25).slice(0, 24);
      for (const c of chunks.slice(0, 4)) await remoteChunk(`idle-${ms}`, c);
      const xs: number[] = [];
      for (const c of chunks) {
        const x = await remoteChunk(`idle-${ms}`, c);
        xs.push(x.ms - x.handlerMs);
      }
      idleFloor.push({ sleepMs: ms, overheadP50Ms: f(pct(xs, 50)), overheadP99Ms: f(pct(xs, 99)) });
    }
    // The same sleeps with no queue at all (bare fastify + node:http + one worker hop), and what a
    // pause does to a few small operations: this machine's share of the numbers above.
    bare = (await bareFloor(IDLE_MS, 24)).map((r) => ({ sleepMs: r.sleepMs, p50Ms: f(r.p50Ms), p99Ms: f(r.p99Ms) }));
    cold = await coldProbe();
    stacks = await queueBehindStacks(40, 30);
    // The queue's own cost first, while no model has run yet (its spinning threads would share the cores).
    for (const b of SIZES) {
      const chunks = chunksOf(texts, b).filter((c) => c.length === b);
      const m = { http: [] as number[], inproc: [] as number[] };
      for (const c of chunks.slice(0, 3)) await callChunk(url, `noop-${b}`, c);
      for (const c of chunks) {
        const z = await callChunk(url, `noop-${b}`, c);
        m.http.push(z.ms - z.handlerMs);
        m.inproc.push(await inProcess(`noop-${b}`, c));
      }
      noop.set(b, m);
    }
    for (const b of SIZES) {
      const chunks = chunksOf(texts, b).filter((c) => c.length === b);
      // Warm both paths on this shape.
      for (const c of chunks.slice(0, 3)) {
        await embedder.embed(c);
        await callChunk(url, `embed-${b}`, c);
        await remoteChunk(`embed-${b}`, c);
      }
      const n = chunks.length * b;
      const alt = await alternatePasses(rounds, n, () => pipelined(chunks, 1, (c) => embedder.embed(c)), () => remoteAll(remote, `embed-${b}`, chunks, b, concurrency));
      const overhead = { remote: [] as number[], server: [] as number[], poll: [] as number[], wait: [] as number[], inproc: [] as number[] };
      const e2e: number[] = [];
      for (const c of chunks) {
        const x = await remoteChunk(`embed-${b}`, c);
        e2e.push(x.ms);
        overhead.remote.push(x.ms - x.handlerMs);
        overhead.server.push(x.serverMs);
        const p = await callChunk(url, `embed-${b}`, c, 'poll');
        overhead.poll.push(p.ms - p.handlerMs);
        const w = await callChunk(url, `embed-${b}`, c, 'wait');
        overhead.wait.push(w.ms - w.handlerMs);
        overhead.inproc.push(await inProcess(`embed-${b}`, c));
      }
      const lean: number[] = [];
      for (const c of chunks) {
        const z = await callChunk(url, `embed-${b}`, c, 'poll', nodeHttp);
        lean.push(z.ms - z.handlerMs);
      }
      const phase = await phases(server, url, `embed-${b}`, chunks);
      const nb = noop.get(b) ?? { http: [NaN], inproc: [NaN] };
      results.push({
        batch: b,
        rows: n,
        directRowsPerS: alt.directRowsPerS,
        queueRowsPerS: alt.queueRowsPerS,
        ratio: alt.ratio,
        ratioRange: alt.ratioRange,
        e2eP50Ms: f(pct(e2e, 50)),
        overheadP50Ms: f(pct(overhead.remote, 50)),
        overheadP99Ms: f(pct(overhead.remote, 99)),
        serverOverheadP50Ms: f(pct(overhead.server, 50)),
        serverOverheadP99Ms: f(pct(overhead.server, 99)),
        rawPollOverheadP50Ms: f(pct(overhead.poll, 50)),
        rawPollOverheadP99Ms: f(pct(overhead.poll, 99)),
        waitOverheadP50Ms: f(pct(overhead.wait, 50)),
        waitOverheadP99Ms: f(pct(overhead.wait, 99)),
        inProcessOverheadP50Ms: f(pct(overhead.inproc, 50)),
        noopHttpOverheadP50Ms: f(pct(nb.http, 50)),
        noopInProcessOverheadP50Ms: f(pct(nb.inproc, 50)),
        leanOverheadP50Ms: f(pct(lean, 50)),
        leanOverheadP99Ms: f(pct(lean, 99)),
        ...Object.fromEntries(Object.entries(phase).map(([k, v]) => [`phase_${k}`, v])),
      });
    }
  } finally {
    await server.close();
  }

  // (c) The server as `embedbook serve` starts it: its default pool (one single-threaded worker per
  // core, each holding one batch behind the one it runs), through the real client with two chunks
  // per worker in flight (what fills the pool). Same chunks, alternated with the same direct loop.
  // One function deployed at a time, as a server serving one model runs: with two deployed, each
  // may hold only all workers but one (the per-function cap, docs/server.md "Handler isolation").
  const pool = createServer({ port: 0, models: { bench: source } });
  const poolUrl = (await pool.listen()).url;
  const poolRemote = new Remote({ url: poolUrl });
  const poolChunk = remoteChunker(poolUrl, { handlerMs: NaN, serverMs: 0 });
  const workers = pool.queue.pool.size;
  const poolInFlight = 2 * workers;
  try {
    for (const r of results) {
      const b = Number(r.batch);
      const chunks = chunksOf(texts, b).filter((c) => c.length === b);
      for (const f of await pool.queue.list()) await pool.queue.remove(f.name);
      await pool.queue.deploy({ name: `embed-${b}`, model: 'bench', maxBatchingSize: b, maxBufferDuration: 10_000, retries: 0 });
      await remoteAll(poolRemote, `embed-${b}`, chunks, b, poolInFlight); // loads the model in every worker
      const n = chunks.length * b;
      const alt = await alternatePasses(rounds, n, () => pipelined(chunks, 1, (c) => embedder.embed(c)), () => remoteAll(poolRemote, `embed-${b}`, chunks, b, poolInFlight));
      const overhead: number[] = [];
      for (const c of chunks) {
        const x = await poolChunk(`embed-${b}`, c);
        overhead.push(x.ms - x.handlerMs);
      }
      r.poolWorkers = workers;
      r.poolInFlight = poolInFlight;
      r.poolDirectRowsPerS = alt.directRowsPerS;
      r.poolRowsPerS = alt.queueRowsPerS;
      r.poolRatio = alt.ratio;
      r.poolRatioRange = alt.ratioRange;
      r.poolOverheadP50Ms = f(pct(overhead, 50));
      r.poolOverheadP99Ms = f(pct(overhead, 99));
    }
  } finally {
    await pool.close();
    await session.dispose();
  }

  console.table(results);
  const summary = {
    bench: 'queue',
    date: new Date().toISOString(),
    model: modelLabel,
    machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', loadAvg1m: Number(os.loadavg()[0].toFixed(2)), node: process.version },
    threads,
    concurrency,
    targets: { ratio: '>= 0.95', overheadP50Ms: '< 2' },
    httpRoundTripFloor: floor,
    idleFloor,
    bareFloor: bare,
    coldProbe: cold,
    queueBehindStacks: stacks,
    results,
  };
  const md = [
    '# queue benchmark',
    '',
    `${summary.date} · model: ${modelLabel} · ${summary.machine.cores} cores (${summary.machine.cpu}), load avg ${summary.machine.loadAvg1m} · ${threads} ORT threads · ${concurrency} chunks in flight · Node ${process.version}`,
    '',
    `Direct loop: an in-process onnxruntime-node loop (Embedder + session, onnxruntime defaults, ${threads} intra-op threads) over the same chunks, one after another. Every queue pass runs right after a direct pass; a ratio is the median of those pairs' ratios (range in brackets), since the load on a shared machine drifts by more than the effect measured.`,
    '',
    `**Throughput, the server as \`embedbook serve\` starts it** (its default pool: ${results[0]?.poolWorkers ?? '?'} single-threaded workers, one per core, each holding the next batch; Remote.chunkedCall, node:http, ${results[0]?.poolInFlight ?? '?'} chunks in flight):`,
    '',
    '| batch | direct rows/s | queue rows/s | queue ÷ direct (target ≥ 0.95) [range] | overhead p50 / p99 ms (Remote client, sequential chunks) |',
    '|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.batch} | ${r.poolDirectRowsPerS} | ${r.poolRowsPerS} | ${r.poolRatio} [${r.poolRatioRange}] | ${r.poolOverheadP50Ms} / ${r.poolOverheadP99Ms} |`),
    '',
    `**Like for like: one worker with the direct loop's ${threads} threads** (Remote.chunkedCall, ${concurrency} chunks in flight), and the **per-chunk overhead** on it. Overhead: the Remote client's per-chunk path (POST ?wait=S: one round trip when the chunk finishes in time) — end-to-end chunk latency over loopback minus the handler time the worker measured (Server-Timing); its server-side part is, per request, fastify arrival → response sent, minus handler time; in-process: FunctionQueue.submit + poll, no HTTP. Raw columns: plain fetch, no client library.`,
    '',
    '| batch | rows | direct rows/s | queue rows/s | queue/direct [range] | e2e p50 ms | overhead end-to-end p50 / p99 ms (target p50 < 2) | server-side part p50 / p99 ms | raw fetch POST + long-poll GET overhead p50 / p99 ms | raw fetch POST ?wait overhead p50 / p99 ms | in-process overhead p50 ms | no-op handler: HTTP / in-process p50 ms |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.batch} | ${r.rows} | ${r.directRowsPerS} | ${r.queueRowsPerS} | ${r.ratio} [${r.ratioRange}] | ${r.e2eP50Ms} | ${r.overheadP50Ms} / ${r.overheadP99Ms} | ${r.serverOverheadP50Ms} / ${r.serverOverheadP99Ms} | ${r.rawPollOverheadP50Ms} / ${r.rawPollOverheadP99Ms} | ${r.waitOverheadP50Ms} / ${r.waitOverheadP99Ms} | ${r.inProcessOverheadP50Ms} | ${r.noopHttpOverheadP50Ms} / ${r.noopInProcessOverheadP50Ms} |`),
    '',
    `**The same per-chunk path after a pause as long as a model batch, and this machine's floor** — handlers that only sleep (no model) and answer 25 × 512-d vectors, through the Remote client; then the same sleeps with no queue at all: a bare fastify route, the same node:http client and one worker-thread hop carrying the same bytes (1.3 KB in, 51 KB out). Both grow with the pause; the floor alone is what any HTTP + worker-thread design pays here.`,
    '',
    `| handler sleeps | ${idleFloor.map((x) => `${x.sleepMs} ms`).join(' | ')} |`,
    `|---|${idleFloor.map(() => '---:').join('|')}|`,
    `| queue path overhead p50 / p99 ms | ${idleFloor.map((x) => `${x.overheadP50Ms} / ${x.overheadP99Ms}`).join(' | ')} |`,
    `| bare floor (no queue) p50 / p99 ms | ${bare.map((x) => `${x.p50Ms} / ${x.p99Ms}`).join(' | ')} |`,
    `| the queue's own part, p50 ms | ${idleFloor.map((x, i) => f(x.overheadP50Ms - (bare[i]?.p50Ms ?? NaN))).join(' | ')} |`,
    '',
    `The queue itself (FunctionQueue, lean Arrow codecs, the same handler sleeping 40 ms) behind leaner HTTP stacks than the server's and the Remote client's, overhead p50 / p99 ms — what each layer adds after the pause (the raw-socket client exists only in this benchmark):`,
    '',
    '| server | client | overhead p50 / p99 ms |',
    '|---|---|---:|',
    ...stacks.map((r) => `| ${r.server} | ${r.client} | ${r.p50Ms} / ${r.p99Ms} |`),
    `| embedbook's routes (fastify) | Remote (the product path, above) | ${idleFloor.find((x) => x.sleepMs === 40)?.overheadP50Ms ?? '?'} / ${idleFloor.find((x) => x.sleepMs === 40)?.overheadP99Ms ?? '?'} |`,
    '',
    'Why a pause costs: the same small operations (p50 µs) back to back, right after the thread slept 40 ms, and right after it spun 40 ms instead. Spinning does not help, so it is not the cost of waking an idle core: what has not run for a while runs from cold caches and TLBs, and fresh memory page-faults.',
    '',
    '| operation | back to back | after sleeping 40 ms | after spinning 40 ms |',
    '|---|---:|---:|---:|',
    ...cold.map((c) => `| ${c.op} | ${c.backToBackUs} | ${c.afterSleepUs} | ${c.afterSpinUs} |`),
    '',
    `Where the overhead goes (median per sequential chunk, ms; same run; fetch client): a bare GET /health round trip costs ${floor.fetchRttMs} ms with fetch and ${floor.httpRttMs} ms with node:http keep-alive here, and a chunk takes two (POST, long-poll GET).`,
    '',
    `| batch | ${PHASES.join(' | ')} | sum | lean client (node:http) overhead p50 / p99 |`,
    `|---:|${PHASES.map(() => '---:').join('|')}|---:|---:|`,
    ...results.map((r) => `| ${r.batch} | ${PHASES.map((p) => r[`phase_${p}`]).join(' | ')} | ${f(PHASES.reduce((a, p) => a + Number(r[`phase_${p}`]), 0))} | ${r.leanOverheadP50Ms} / ${r.leanOverheadP99Ms} |`),
    '',
    'Phases: clientEncode (Arrow IPC of the chunk) · postToSubmit (fetch sends, fastify parses, IPC decode) · submit (validate + store) · submitToWorker (batch cut, claim, postMessage) · workerHop (pool.run − handler: clone, both messages, waking the worker and the server thread) · completeAndWake (store.complete, long-poll woken) · pollToAnswer (read the call, encode the result IPC) · answerToClient (fastify send → fetch has the headers) · clientDecode (body + Arrow decode). The POST answer travels while the batch runs and is not on the critical path.',
    '',
    `Overhead = end-to-end chunk latency over loopback HTTP (sequential chunks) minus the handler time measured in the worker (Server-Timing). ?wait: the result comes back in the POST answer. In-process: FunctionQueue.submit + poll without HTTP. No-op handler: the same chunks through a handler that does nothing, measured before the model first runs. Throughput: median over alternating direct/queue passes (queue: Remote.chunkedCall, ${concurrency} chunks in flight); the ratio is the median of the ratios of adjacent pairs, its range in brackets.`,
    '',
  ].join('\n');
  writeResults('queue', summary, md);
  console.log(md);
}
