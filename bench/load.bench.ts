// Fairness under overload: N independent clients (each its own Remote, so its own AIMD limiter, as
// separate users would be) run chunkedCall against one server whose queue is much smaller than
// what they want in flight, so most submits meet 429. Per-chunk latency is the engine's (first try
// to result, 429 waits included). The same clients and load run twice in this run: with fair
// admission (the line: parked requests and 429 tickets, the default), without it (whichever retry
// finds room first — the old behaviour), and a control with no queue bound (no 429 at all: the
// spread this machine adds by itself); the table shows p50, p99 and p99/p50 (target: fair ≤ 3×).
// The handler sleeps per batch (no model): the load is the queue's, not the CPU's.
//   npm run bench -- load [--clients 40] [--seconds 15] [--chunk 25] [--max-queued-rows 200] [--handler-ms 200] [--workers 2]
import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Float64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { Remote } from '../src/client/remote-node';
import { createServer } from '../src/server/create-server';
import { pct } from './floor';

const here = path.dirname(fileURLToPath(import.meta.url));

function arg(args: string[], name: string, dflt: number, min: number, max: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`--${name} must be a whole number from ${min} to ${max}, got ${args[i + 1]}`);
  return v;
}

type Mode = 'fair' | 'unfair' | 'unbounded';

interface Pass {
  mode: Mode;
  chunks: number;
  rowsPerS: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  ratio: number;
  rejected: number;
  failedChunks: number;
}

async function pass(mode: Mode, o: { clients: number; seconds: number; chunk: number; maxQueuedRows: number; handlerMs: number; workers: number }): Promise<Pass> {
  const server = createServer({
    host: '127.0.0.1', port: 0, workers: o.workers, threadsPerWorker: 1, maxQueuedRows: mode === 'unbounded' ? 100_000_000 : o.maxQueuedRows, fairAdmission: mode !== 'unfair', shutdownGraceMs: 1_000,
    functions: [{
      definition: { name: 'sleep', args: { text: 'string[]' }, output: 'float64', maxBatchingSize: o.chunk, maxBufferDuration: 0, retries: 0 },
      bundle: `export default { handler: async (text) => { await new Promise((r) => setTimeout(r, ${o.handlerMs})); return text.map((t) => t.length); } };`,
    }],
  });
  const { url } = await server.listen();
  const latencies: number[] = [];
  let rows = 0;
  let failedChunks = 0;
  const input = new Table({ text: vectorFromArray(Array.from({ length: o.chunk * 4 }, (_, i) => `row ${i}`), new Utf8()) });
  const t0 = performance.now();
  const deadline = t0 + o.seconds * 1000;
  // Bounded: new calls stop at the deadline; whatever still runs 60 s later is aborted.
  const hardStop = new AbortController();
  setMaxListeners(0, hardStop.signal); // every chunk in flight listens on it
  const hard = setTimeout(() => hardStop.abort(), o.seconds * 1000 + 60_000);
  await Promise.all(
    Array.from({ length: o.clients }, async () => {
      const fn = new Remote({ url }).function<number>('sleep', { outputType: new Float64(), maxRateLimitWaits: 1_000 });
      while (performance.now() < deadline && !hardStop.signal.aborted) {
        await fn.chunkedCall(input, {
          chunkSize: o.chunk,
          concurrentChunks: 2,
          signal: hardStop.signal,
          onProgress: (e) => {
            if (e.status === 'done') {
              latencies.push(e.latencyMs);
              rows += e.rows;
            } else if (e.status === 'failed') failedChunks++;
          },
        }).catch(() => undefined);
      }
    }),
  );
  clearTimeout(hard);
  const wallS = (performance.now() - t0) / 1000;
  const rejected = server.queue.metrics.rejectedFull;
  await server.close();
  const p50 = pct(latencies, 50);
  const p99 = pct(latencies, 99);
  const f = (x: number) => Math.round(x);
  return {
    mode, chunks: latencies.length, rowsPerS: f(rows / wallS),
    p50Ms: f(p50), p90Ms: f(pct(latencies, 90)), p99Ms: f(p99), maxMs: f(Math.max(...latencies)),
    ratio: Number((p99 / p50).toFixed(2)), rejected, failedChunks,
  };
}

export async function main(args: string[]): Promise<void> {
  const o = {
    clients: arg(args, 'clients', 40, 1, 200),
    seconds: arg(args, 'seconds', 15, 1, 600),
    chunk: arg(args, 'chunk', 25, 1, 10_000),
    maxQueuedRows: arg(args, 'max-queued-rows', 200, 1, 1_000_000),
    // A model-sized batch time: with a few-ms handler on a loaded machine, the tail measured is the
    // event loop's jitter (see the `unbounded` control pass), not the queue's order.
    handlerMs: arg(args, 'handler-ms', 200, 0, 10_000),
    workers: arg(args, 'workers', 2, 1, 64),
  };
  const passes: Pass[] = [];
  for (const mode of ['fair', 'unfair', 'unbounded'] as const) {
    const p = await pass(mode, o);
    passes.push(p);
    console.log(`${p.mode.padEnd(9)}: ${p.chunks} chunks, ${p.rowsPerS} rows/s, chunk latency p50 ${p.p50Ms} ms, p90 ${p.p90Ms} ms, p99 ${p.p99Ms} ms, max ${p.maxMs} ms, p99/p50 ${p.ratio}× · ${p.rejected} answers 429 · ${p.failedChunks} chunks failed`);
  }
  const [fair, unfair, unbounded] = passes;
  console.log(`fair admission: p99/p50 ${fair.ratio}× (target ≤ 3×; without the line ${unfair.ratio}×; with no queue bound at all, this machine's own spread: ${unbounded.ratio}×), p99 ${fair.p99Ms} ms vs ${unfair.p99Ms} ms, throughput ${fair.rowsPerS} vs ${unfair.rowsPerS} rows/s`);
  const summary = {
    date: new Date().toISOString(),
    machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', loadAvg1m: Number(os.loadavg()[0].toFixed(2)), node: process.version },
    options: o,
    target: 'fair p99/p50 <= 3',
    passes,
  };
  const outDir = path.join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'load.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'load.md'), [
    '# load benchmark',
    '',
    `${summary.date} · ${summary.machine.cores} cores (${summary.machine.cpu}), load avg ${summary.machine.loadAvg1m} · Node ${process.version}`,
    '',
    `${o.clients} clients (one Remote each), each looping chunkedCall over ${o.chunk * 4} rows (chunks of ${o.chunk}, 2 in flight) for ${o.seconds} s; server: ${o.workers} workers, a handler that sleeps ${o.handlerMs} ms per batch, maxQueuedRows ${o.maxQueuedRows}. Chunk latency = the engine's, first try to result, 429 waits included.`,
    '',
    '| admission | chunks | rows/s | p50 ms | p90 ms | p99 ms | max ms | p99/p50 | 429 answers | failed chunks |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...passes.map((p) => `| ${p.mode} | ${p.chunks} | ${p.rowsPerS} | ${p.p50Ms} | ${p.p90Ms} | ${p.p99Ms} | ${p.maxMs} | ${p.ratio} | ${p.rejected} | ${p.failedChunks} |`),
    '',
  ].join('\n'));
}
