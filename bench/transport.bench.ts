// The Node client's HTTP transport: today's node:http keep-alive fetch (src/client/node-http-fetch.ts)
// against undici's Pool (request API) and Node's global fetch, on loopback, against a plain
// node:http server in its own process. Two shapes: a bare GET (latency floor) and a chunk's round
// trip (a 4 KB POST answered with 52 KB, what a 25 × 512 float32 answer weighs), each one at a time
// and 16 at once.
//   npm run bench -- transport [--requests 2000] [--rounds 5]
// Rounds take turns between the clients (a burst of load on this shared machine hits each alike);
// the figure is the median round. Writes bench/results/transport.json and transport.md.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createNodeHttpFetch } from '../src/client/node-http-fetch';

const ANSWER_BYTES = 52_000;
const REQUEST = new Uint8Array(4_096).fill(7);

/** A node:http server in a child process: GET → 2 bytes, POST → ANSWER_BYTES; prints its port. */
async function startServer(): Promise<{ url: string; stop(): void }> {
  const code = `
    const http = require('node:http');
    const answer = Buffer.alloc(${ANSWER_BYTES}, 1);
    const server = http.createServer((req, res) => {
      const parts = [];
      req.on('data', (d) => parts.push(d));
      req.on('end', () => {
        const body = req.method === 'POST' ? answer : Buffer.from('ok');
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
        res.end(body);
      });
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (c) => reject(new Error(`bench server exited with ${c}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

type Call = (post: boolean) => Promise<number>;

function clients(url: string): Array<{ name: string; call: Call; close(): Promise<void> }> {
  const nodeFetch = createNodeHttpFetch();
  const pool = new Pool(url, { connections: 64, pipelining: 1 });
  return [
    {
      name: 'node:http (today)',
      call: async (post) => (await (await nodeFetch(`${url}/x`, post ? { method: 'POST', body: REQUEST } : {})).arrayBuffer()).byteLength,
      close: async () => undefined,
    },
    {
      name: 'undici Pool',
      call: async (post) => {
        const res = await pool.request(post ? { path: '/x', method: 'POST', body: REQUEST } : { path: '/x', method: 'GET' });
        return (await res.body.arrayBuffer()).byteLength;
      },
      close: () => pool.close(),
    },
    {
      name: 'global fetch',
      call: async (post) => (await (await fetch(`${url}/x`, post ? { method: 'POST', body: REQUEST } : {})).arrayBuffer()).byteLength,
      close: async () => undefined,
    },
  ];
}

/** µs per request for `n` requests, `parallel` in flight at a time. */
async function timed(call: Call, post: boolean, n: number, parallel: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < n) {
        const bytes = await call(post);
        if (bytes !== (post ? ANSWER_BYTES : 2)) throw new Error(`short answer: ${bytes} bytes`);
      }
    }),
  );
  return ((performance.now() - t0) * 1000) / n;
}

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
}

export async function main(args: string[]): Promise<void> {
  const n = arg(args, 'requests', 2000);
  const rounds = arg(args, 'rounds', 5);
  const server = await startServer();
  const all = clients(server.url);
  const rows: Array<{ shape: string; client: string; us: number; ratio: number }> = [];
  try {
    for (const [shape, post, parallel] of [['GET, one at a time', false, 1], ['chunk round trip, one at a time', true, 1], ['chunk round trip, 16 at once', true, 16]] as const) {
      for (const c of all) await timed(c.call, post, Math.min(n, 200), parallel); // warm-up: connections, JIT
      const samples = all.map(() => [] as number[]);
      for (let r = 0; r < rounds; r++) for (let k = 0; k < all.length; k++) samples[k].push(await timed(all[k].call, post, n, parallel));
      const medians = samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]);
      all.forEach((c, k) => rows.push({ shape, client: c.name, us: medians[k], ratio: medians[k] / medians[0] }));
    }
  } finally {
    await Promise.all(all.map((c) => c.close()));
    server.stop();
  }
  const header = `µs per request (median of ${rounds} rounds of ${n}), loopback, server in its own process; ratio = this client / node:http in the same run. Node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} (a shared machine: compare within one run).`;
  console.log(header);
  console.table(rows.map((r) => ({ shape: r.shape, client: r.client, µs: r.us.toFixed(0), ratio: r.ratio.toFixed(2) })));
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'transport.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, loadavg: loadavg()[0], requests: n, rounds, rows }, null, 2) + '\n');
  writeFileSync(
    join(dir, 'transport.md'),
    [header, '', '| shape | client | µs | ratio |', '|---|---|---:|---:|', ...rows.map((r) => `| ${r.shape} | ${r.client} | ${r.us.toFixed(0)} | ${r.ratio.toFixed(2)} |`), ''].join('\n'),
  );
}
