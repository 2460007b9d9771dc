// What this machine charges any request that waits on a worker thread, with no queue in the way:
//   bareFloor  — a bare fastify route, the Node client's transport (node:http keep-alive) and one
//                worker_threads hop, carrying what a 25-row chunk carries (1.3 KB in, 25 × 512
//                float32 out); the worker sleeps as long as asked. No Arrow, no queue, no batching.
//   coldProbe  — the same few small operations run back to back, right after the thread slept
//                40 ms, and right after it spun 40 ms: whether "slower after a pause" is a wake-up
//                cost (spinning would cure it) or the caches and TLBs having been taken over by
//                others in the meantime (it would not).
// Used by queue.bench.ts, so the queue's overhead can be read against this machine's floor.
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import type { Table } from 'apache-arrow';
import { createNodeHttpFetch } from '../src/client/node-http-fetch';

const ROWS = 25;
const DIM = 512;

/** The p-th percentile (nearest rank) of xs. */
export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

// The worker answers after `ms`, with the vectors in one transferred buffer, as the pool's workers do.
const WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, ms }) => {
  const t0 = performance.now();
  const reply = () => {
    const out = new Float32Array(${ROWS * DIM}).fill(0.5);
    parentPort.postMessage({ id, out, ms: performance.now() - t0 }, [out.buffer]);
  };
  if (ms > 0) setTimeout(reply, ms); else reply();
});`;

export interface FloorRow {
  sleepMs: number;
  p50Ms: number;
  p99Ms: number;
}

/** End-to-end latency minus the worker's time, per sleep length: p50 / p99 over `samples` sequential requests. */
export async function bareFloor(sleeps: number[], samples = 40): Promise<FloorRow[]> {
  const worker = new Worker(WORKER, { eval: true });
  const waiting = new Map<number, (m: { out: Float32Array; ms: number }) => void>();
  worker.on('message', (m: { id: number; out: Float32Array; ms: number }) => {
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  const app = Fastify();
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  let nextId = 1;
  app.post<{ Querystring: { ms: string } }>('/x', (req, reply) => {
    const id = nextId++;
    return new Promise<unknown>((resolve) => {
      waiting.set(id, (m) => resolve(reply.type('application/octet-stream').header('server-timing', `handler;dur=${m.ms}`).send(Buffer.from(m.out.buffer))));
      worker.postMessage({ id, ms: Number(req.query.ms) });
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const send = createNodeHttpFetch();
  const body = new Uint8Array(1300).fill(0x61);
  const one = async (ms: number) => {
    const t0 = performance.now();
    const res = await send(`http://127.0.0.1:${port}/x?ms=${ms}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: body as unknown as BodyInit });
    const bytes = await res.arrayBuffer();
    const took = performance.now() - t0;
    if (bytes.byteLength !== ROWS * DIM * 4) throw new Error(`floor answer has ${bytes.byteLength} bytes`);
    return took - Number(/handler;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN);
  };
  try {
    const out: FloorRow[] = [];
    for (const ms of sleeps) {
      for (let i = 0; i < 5; i++) await one(ms);
      const xs: number[] = [];
      for (let i = 0; i < samples; i++) xs.push(await one(ms));
      out.push({ sleepMs: ms, p50Ms: pct(xs, 50), p99Ms: pct(xs, 99) });
    }
    return out;
  } finally {
    await app.close();
    await worker.terminate();
  }
}

export interface ColdRow {
  op: string;
  backToBackUs: number;
  afterSleepUs: number;
  afterSpinUs: number;
}

/** A loopback TCP echo in this process: one 100-byte round trip per call. */
async function echo(): Promise<{ roundTrip(): Promise<void>; close(): void }> {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const client = net.connect(typeof address === 'object' && address ? address.port : 0, '127.0.0.1');
  client.setNoDelay(true);
  await new Promise<void>((r) => client.once('connect', r));
  const payload = Buffer.alloc(100, 0x61);
  let got = 0;
  let done: () => void = () => undefined;
  client.on('data', (d: Buffer) => {
    got += d.length;
    if (got >= payload.length) {
      got = 0;
      done();
    }
  });
  return {
    roundTrip: () =>
      new Promise<void>((r) => {
        done = r;
        client.write(payload);
      }),
    close: () => {
      client.destroy();
      server.close();
    },
  };
}

/** p50 µs of each operation back to back, after sleeping 40 ms, and after spinning 40 ms. */
export async function coldProbe(samples = 40): Promise<ColdRow[]> {
  const big = new Float32Array(12_800).fill(1);
  const tcp = await echo();
  const ops: Array<[string, () => unknown]> = [
    ['arithmetic only (20k sqrt)', () => {
      let s = 0;
      for (let i = 0; i < 20_000; i++) s += Math.sqrt(i);
      return s;
    }],
    ['allocate a 256-byte typed array', () => new Float32Array(64)],
    ['copy 25 KB inside an array', () => big.copyWithin(6_400, 0, 6_400)],
    ['allocate a 51 KB typed array', () => new Float32Array(12_800)],
    ['loopback TCP round trip, 100 bytes', () => tcp.roundTrip()],
  ];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const spin = (ms: number) => {
    const t = performance.now();
    while (performance.now() - t < ms);
  };
  try {
    const rows: ColdRow[] = [];
    for (const [op, run] of ops) {
      for (let i = 0; i < 50; i++) await run();
      const timed = async (before: () => Promise<unknown> | void) => {
        const xs: number[] = [];
        for (let i = 0; i < samples; i++) {
          await before();
          const t = performance.now();
          await run();
          xs.push((performance.now() - t) * 1000);
        }
        return Number(pct(xs, 50).toFixed(1));
      };
      rows.push({ op, backToBackUs: await timed(() => undefined), afterSleepUs: await timed(() => sleep(40)), afterSpinUs: await timed(() => spin(40)) });
    }
    return rows;
  } finally {
    tcp.close();
  }
}

export interface StackRow {
  server: string;
  client: string;
  p50Ms: number;
  p99Ms: number;
}

/**
 * The real FunctionQueue and the lean Arrow codecs (a handler that sleeps `idleMs` and answers 25 ×
 * 512-d vectors) behind different HTTP stacks: a bare node:http route or a fastify route on the
 * server; a raw-socket HTTP/1.1 client (written here for this measurement only: one request at a
 * time, Content-Length answers) or the Node client's node:http transport. Shows
 * what each layer adds to a chunk once its threads have waited `idleMs`.
 */
export async function queueBehindStacks(idleMs: number, samples = 40): Promise<StackRow[]> {
  const { FunctionQueue } = await import('../src/server/function-queue');
  const { readCallBody, ARROW_STREAM } = await import('../src/server/arrow-io');
  const { joinIpcParts } = await import('../src/wire/ipc-write');
  const { encodeCallArgs, decodeCallAnswer } = await import('../src/client/call-codec');
  const { decodeCallResult } = await import('../src/client/remote-batch');
  const arrow = await import('apache-arrow');
  const http = await import('node:http');

  const queue = new FunctionQueue({ workers: 1 });
  await queue.deploy(
    { name: 'idle', maxBatchingSize: ROWS, maxBufferDuration: 10_000, retries: 0, output: 'float32[]' },
    `export default { handler: async (text) => { ${idleMs ? `await new Promise((r) => setTimeout(r, ${idleMs}));` : ''} return text.map(() => new Float32Array(${DIM}).fill(0.5)); } };`,
  );
  const answer = async (name: string, body: Uint8Array) => {
    const { callId } = await queue.submit(name, readCallBody(body));
    const view = await queue.poll(callId, 60_000);
    if (!view.done) throw new Error('call did not finish');
    const ipc = joinIpcParts(view.ipc);
    return { bytes: Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength), timing: `handler;dur=${view.handlerMs.toFixed(3)}` };
  };
  const bare = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      void answer('idle', Buffer.concat(parts)).then(({ bytes, timing }) => {
        res.writeHead(200, { 'content-type': ARROW_STREAM, 'content-length': bytes.byteLength, 'server-timing': timing });
        res.end(bytes);
      });
    });
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const app = Fastify();
  app.addContentTypeParser(ARROW_STREAM, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/functions/idle/calls', async (req, reply) => {
    const { bytes, timing } = await answer('idle', req.body as Buffer);
    return reply.type(ARROW_STREAM).header('server-timing', timing).send(bytes);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const portOf = (s: net.Server) => {
    const a = s.address();
    return typeof a === 'object' && a ? a.port : 0;
  };
  const servers = { 'bare node:http route': portOf(bare), 'fastify route': portOf(app.server) };

  type Call = (table: Table) => Promise<{ ms: number; handlerMs: number }>;
  const handlerMsOf = (header: string | null | undefined) => Number(/handler;dur=([\d.]+)/.exec(header ?? '')?.[1] ?? NaN);
  const rawClient = async (port: number): Promise<{ call: Call; close(): void }> => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise((r) => socket.once('connect', r));
    let buf: Buffer = Buffer.alloc(0);
    let done: (head: string, body: Buffer) => void = () => undefined;
    socket.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1]);
      if (buf.length < end + 4 + length) return;
      const body = buf.subarray(end + 4, end + 4 + length);
      buf = Buffer.alloc(0);
      done(head, body);
    });
    return {
      call: (table) =>
        new Promise((resolve, reject) => {
          const t0 = performance.now();
          const bytes = encodeCallArgs(table);
          done = (head, body) => {
            try {
              const out = decodeCallResult(decodeCallAnswer(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)), table.numRows, 'raw');
              if (out.values.length !== table.numRows) throw new Error('rows lost');
              resolve({ ms: performance.now() - t0, handlerMs: handlerMsOf(/server-timing: *([^\r\n]+)/i.exec(head)?.[1]) });
            } catch (err) {
              reject(err);
            }
          };
          socket.write(Buffer.concat([Buffer.from(`POST /functions/idle/calls HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: ${ARROW_STREAM}\r\ncontent-length: ${bytes.byteLength}\r\n\r\n`, 'latin1'), bytes]));
        }),
      close: () => socket.destroy(),
    };
  };
  const nodeHttpClient = (port: number): Call => {
    const send = createNodeHttpFetch();
    return async (table) => {
      const t0 = performance.now();
      const res = await send(`http://127.0.0.1:${port}/functions/idle/calls`, { method: 'POST', headers: { 'content-type': ARROW_STREAM }, body: encodeCallArgs(table) as unknown as BodyInit });
      const out = decodeCallResult(decodeCallAnswer(new Uint8Array(await res.arrayBuffer())), table.numRows, 'node:http');
      if (out.values.length !== table.numRows) throw new Error('rows lost');
      return { ms: performance.now() - t0, handlerMs: handlerMsOf(res.headers.get('server-timing')) };
    };
  };
  const tables: Table[] = Array.from(
    { length: samples + 5 },
    (_, k) => new arrow.Table({ text: arrow.vectorFromArray(Array.from({ length: ROWS }, (_, i) => `row ${k}.${i}: a sentence of modest length to embed`), new arrow.Utf8()) }),
  );
  const measure = async (call: Call) => {
    const xs: number[] = [];
    for (let k = 0; k < tables.length; k++) {
      const { ms, handlerMs } = await call(tables[k]);
      if (k >= 5) xs.push(ms - handlerMs);
    }
    return { p50Ms: Number(pct(xs, 50).toFixed(2)), p99Ms: Number(pct(xs, 99).toFixed(2)) };
  };
  const rows: StackRow[] = [];
  try {
    for (const [server, port] of Object.entries(servers)) {
      const raw = await rawClient(port);
      rows.push({ server, client: 'raw socket (bench only)', ...(await measure(raw.call)) });
      raw.close();
      rows.push({ server, client: 'node:http (createNodeHttpFetch)', ...(await measure(nodeHttpClient(port))) });
    }
    return rows;
  } finally {
    await app.close();
    bare.close();
    await queue.close();
  }
}
