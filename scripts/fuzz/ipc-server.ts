// The server under fuzz, in its own process so that a crash (heap exhaustion, an abort) is seen
// as an exit instead of taking the harness down: the real createServer on 127.0.0.1, port 0,
// with the fuzz functions deployed. Prints `READY <url>` when listening, and on SIGTERM a `STATS`
// line: how long the server took per request (onRequest → onResponse, without the network) and
// the event loop's longest delay — the time the server thread was held by one piece of work.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createServer } from '../../src/server/create-server';
import { FUZZ_ADMIN_KEY, FUZZ_FUNCTIONS } from './ipc-seeds';

const { bodyLimit, maxQueuedRows } = JSON.parse(process.argv[2] ?? '{}') as { bodyLimit?: number; maxQueuedRows?: number };
const server = createServer({ host: '127.0.0.1', port: 0, workers: 1, threadsPerWorker: 1, bodyLimit, maxQueuedRows, functions: FUZZ_FUNCTIONS, adminKey: FUZZ_ADMIN_KEY });
const started = new WeakMap<object, number>();
const durations: number[] = [];
let slowest = { ms: 0, what: '' };
server.app.addHook('onRequest', async (req) => void started.set(req, performance.now()));
server.app.addHook('onResponse', async (req, reply) => {
  const ms = performance.now() - (started.get(req) ?? performance.now());
  durations.push(ms);
  if (ms > slowest.ms) slowest = { ms, what: `${req.method} ${req.url} → ${reply.statusCode}` };
});
const { url } = await server.listen();
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
process.stdout.write(`READY ${url}\n`);
const stop = () => {
  loop.disable();
  durations.sort((a, b) => a - b);
  const p = (q: number) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] ?? 0;
  const stats = { requests: durations.length, p50Ms: p(0.5), p99Ms: p(0.99), maxMs: slowest.ms, slowest: slowest.what, loopDelayMaxMs: loop.max / 1e6, loopDelayP99Ms: loop.percentile(99) / 1e6 };
  process.stdout.write(`STATS ${JSON.stringify(stats)}\n`);
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
