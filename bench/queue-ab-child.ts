// One side of `npm run bench -- queue-ab`: a function-queue server and its Remote client, both
// imported from the checkout at argv[2] (this tree or an older one) — or, with argv[4], the client
// from that other checkout (`--split`: tells the server's share of a difference from the client's)
// — driven by the parent over IPC so the two sides take turns in one run. Only APIs both sides share are used (createServer's
// functions, Remote.function(…).batchFunction / chunkedCall, Embedder + createNodeSession).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';

export type Scenario = 'idle-0' | 'idle-40' | 'embed-25' | 'throughput-25';
export interface Ask {
  scenario: Scenario;
  chunks: string[][];
}
export interface Answer {
  /** Per-chunk overhead samples (ms), or for throughput-25 one [queue rows/s, direct rows/s]. */
  samples: number[];
  /** CPU µs this process (server, its worker threads and the client) spent on the ask. */
  cpuUs: number;
}

const root = path.resolve(process.argv[2] ?? '.');
const modelFolder = process.argv[3];
const clientRoot = path.resolve(process.argv[4] ?? root);
const load = async <T>(rel: string) => (await import(pathToFileURL(path.join(rel.startsWith('src/client/') ? clientRoot : root, rel)).href)) as T;

type Server = { listen(): Promise<{ url: string }>; close(): Promise<void> };
type BatchFn = (t: Table, o: { signal: AbortSignal; chunkIndex: number; attempt: number }) => Promise<{ values: unknown[]; errors?: unknown[] }>;
type Handle = { batchFunction: BatchFn; chunkedCall(t: Table, o: object): Promise<{ failedRows: number; table: Table }> };
type RemoteCtor = new (o: { url: string; fetch?: unknown }) => { function(name: string): Handle };

const { createServer } = await load<{ createServer(o: object): Server }>('src/server/create-server.ts');
const { Remote } = await load<{ Remote: RemoteCtor }>('src/client/remote-node.ts');
const { createNodeHttpFetch } = await load<{ createNodeHttpFetch(): (u: string, i?: object) => Promise<{ headers: { get(n: string): string | null } }> }>('src/client/node-http-fetch.ts');
const { loadNodeModel } = await load<{ loadNodeModel(s: unknown): Promise<{ model: unknown; tokenizer: unknown }> }>('src/model/registry-node.ts');
const { createNodeSession } = await load<{ createNodeSession(m: unknown, o: object): Promise<{ dispose(): Promise<void> }> }>('src/model/node-session.ts');
const { Embedder } = await load<{ Embedder: new (t: unknown, s: unknown) => { embed(texts: string[]): Promise<unknown> } }>('src/model/pipeline/embedder.ts');

const idleBundle = (ms: number) =>
  `export default { handler: async (text) => { ${ms ? `await new Promise((r) => setTimeout(r, ${ms}));` : ''} return text.map(() => new Float32Array(512).fill(0.5)); } };`;
const source = modelFolder ? { folder: modelFolder } : 'default';
const fn = (name: string, extra: object) => ({ definition: { name, maxBatchingSize: 25, maxBufferDuration: 10_000, retries: 0, ...extra } });
// The server as `embedbook serve` starts it (its default pool), the functions the queue bench uses.
const server = createServer({
  port: 0,
  models: { bench: source },
  functions: [
    { ...fn('idle-0', { output: 'float32[]' }), bundle: idleBundle(0) },
    { ...fn('idle-40', { output: 'float32[]' }), bundle: idleBundle(40) },
    fn('embed-25', { model: 'bench' }),
  ],
});
const { url } = await server.listen();
const timing = { handlerMs: NaN };
const nodeHttp = createNodeHttpFetch();
const remote = new Remote({
  url,
  fetch: async (u: string, init?: object) => {
    const res = await nodeHttp(u, init);
    const h = /handler;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '');
    if (h) timing.handlerMs = Number(h[1]);
    return res;
  },
});
const plain = new Remote({ url });
const handles = new Map<string, Handle>();
const loaded = await loadNodeModel(source);
const session = await createNodeSession(loaded.model, { device: 'cpu', threads: os.availableParallelism() });
const embedder = new Embedder(loaded.tokenizer, session);
const text = (c: string[]) => new Table({ text: vectorFromArray(c, new Utf8()) });

/** Sequential chunks through the Remote client's per-chunk path: latency − handler time, ms. */
async function overhead(name: string, chunks: string[][]): Promise<number[]> {
  let h = handles.get(name);
  if (!h) handles.set(name, (h = remote.function(name)));
  const out: number[] = [];
  for (const c of chunks) {
    const t = text(c); // built before the clock, as chunkedCall hands over slices of its input
    timing.handlerMs = NaN;
    let t0 = performance.now();
    let r;
    try {
      r = await h.batchFunction(t, { signal: new AbortController().signal, chunkIndex: 0, attempt: 1 });
    } catch (e) {
      // While the other side ran, the server may have closed this idle keep-alive socket, and
      // older clients do not resend a POST on a reset one: the chunk again, on a fresh socket.
      if (!/ECONNRESET|socket hang up/.test(String(e))) throw e;
      t0 = performance.now();
      r = await h.batchFunction(t, { signal: new AbortController().signal, chunkIndex: 0, attempt: 1 });
    }
    const ms = performance.now() - t0;
    if (r.values.length !== c.length || r.errors?.some((e) => e !== null && e !== undefined)) throw new Error(`${name}: expected ${c.length} ok rows`);
    out.push(ms - timing.handlerMs);
  }
  return out;
}

/** One direct pass and one queue pass (default pool, 2 chunks per worker in flight): rows/s each. */
async function throughput(chunks: string[][]): Promise<number[]> {
  const rows = chunks.flat();
  let t0 = performance.now();
  for (const c of chunks) await embedder.embed(c);
  const direct = rows.length / ((performance.now() - t0) / 1000);
  await overhead('embed-25', chunks.slice(0, 1)); // a live socket before the clock (see overhead)
  t0 = performance.now();
  const res = await plain.function('embed-25').chunkedCall(text(rows), { chunkSize: 25, concurrentChunks: 2 * Math.min(8, os.availableParallelism()) });
  if (res.failedRows !== 0 || res.table.numRows !== rows.length) throw new Error('chunkedCall lost rows');
  return [rows.length / ((performance.now() - t0) / 1000), direct];
}

/** --cpu-prof: the main thread's profile over the measured rounds only (not start-up or warm-up). */
let profiler: Session | undefined;
async function profile(cmd: string): Promise<void> {
  if (cmd === 'profile-start') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
    await profiler.post('Profiler.start');
    return;
  }
  const { profile: p } = await profiler!.post('Profiler.stop');
  writeFileSync(cmd.slice('profile-stop:'.length), JSON.stringify(p));
  profiler!.disconnect();
}

process.on('message', (msg: Ask | string) => {
  if (typeof msg === 'string' && msg.startsWith('profile-')) {
    void profile(msg).then(() => process.send?.({ samples: [], cpuUs: 0 } satisfies Answer), (e: unknown) => process.send?.({ error: String(e) }));
    return;
  }
  if (typeof msg === 'string') {
    void server.close().then(() => session.dispose()).then(() => process.exit(0));
    return;
  }
  const ask = msg;
  const c0 = process.cpuUsage();
  const run = ask.scenario === 'throughput-25' ? throughput(ask.chunks) : overhead(ask.scenario, ask.chunks);
  run.then(
    (samples) => {
      const c = process.cpuUsage(c0);
      process.send?.({ samples, cpuUs: c.user + c.system } satisfies Answer);
    },
    (e: unknown) => process.send?.({ error: String((e as Error)?.stack ?? e) }),
  );
});
process.send?.('ready');
