// A scale simulation of the queue as a cluster (issue #12): one Redis, two API nodes
// (`embedbook serve --workers 0`), and 1…32 worker nodes (`embedbook worker --workers 1`), each a
// real process, whose handler sleeps like a GPU batch (20 ms per 64 rows, no CPU). The client (this
// process) sends chunks through both API nodes with the public Remote client. For each worker
// count it prints rows/s and its efficiency against linear (N × the 1-worker rate), the Redis
// operations and bytes per row (INFO commandstats / stats), and the CPU each part used (Redis: INFO
// cpu; API and worker nodes: /proc/<pid>/stat; the client: process.cpuUsage), so where it stops
// scaling shows which part ran out.
//   npm run bench -- cluster [--quick] [--workers 1,2,4,8,16] [--seconds 4] [--batch-ms 20]
// --quick: 1, 2 and 4 workers, ~2 s each. Writes bench/results/cluster.json and cluster.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Float64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { Redis } from 'ioredis';
import { Remote } from '../src/client/remote-node';
import { deploy } from '../src/server/test-fixtures/http';
import { freePort, startRedis, stopRedis } from '../src/server/test-fixtures/private-redis';
import { spawnServe, spawnWorker, type ServeProcess } from '../src/server/test-fixtures/serve-process';

const BATCH = 64;

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** A handler that costs no CPU, only time, like a GPU batch: `ms` per 64 rows. */
const sleepingBundle = (ms: number) =>
  `export default { handler: async (text) => { await new Promise((r) => setTimeout(r, ${ms} * text.length / ${BATCH})); return text.map((t) => t.length); } };`;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

interface RedisCounters {
  calls: number;
  bytes: number;
  cpu: number;
  byCommand: Record<string, number>;
}

async function redisCounters(r: Redis): Promise<RedisCounters> {
  const stats = await r.info('commandstats');
  const byCommand: Record<string, number> = {};
  let calls = 0;
  for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    byCommand[m[1]] = Number(m[2]);
    calls += Number(m[2]);
  }
  const s = await r.info('stats');
  const num = (text: string, key: string) => Number(new RegExp(`^${key}:([\\d.]+)`, 'm').exec(text)?.[1] ?? 0);
  const cpu = await r.info('cpu');
  return { calls, byCommand, bytes: num(s, 'total_net_input_bytes') + num(s, 'total_net_output_bytes'), cpu: num(cpu, 'used_cpu_user') + num(cpu, 'used_cpu_sys') };
}

interface Round {
  workers: number;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  /** rows/s ÷ (workers × the 1-worker rows/s). */
  efficiency: number;
  /** rows/s ÷ the handlers' ceiling (workers × 64 rows per batchMs). */
  ofCeiling: number;
  redisOpsPerRow: number;
  /** Scripts (EVALSHA) per row: the queue's own operations. */
  redisScriptsPerRow: number;
  redisBytesPerRow: number;
  /** Share of one core, 0–1 (Redis is single-threaded: 1 = saturated). */
  redisCpu: number;
  /**
   * CPU microseconds per row (Redis, API nodes, worker nodes): what a row costs each part whatever
   * else runs on the box, so 1e6 / redisUsPerRow is the rows/s one Redis core can carry.
   */
  redisUsPerRow: number;
  apiUsPerRow: number;
  workersUsPerRow: number;
  apiCpu: number;
  workersCpu: number;
  clientCpu: number;
  load: number;
}

export async function main(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const counts = (arg(args, 'workers') ?? (quick ? '1,2,4' : '1,2,4,8,16')).split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw new Error(`--workers takes counts from 1 to 64, e.g. 1,2,4,8; got ${arg(args, 'workers')}`);
  const seconds = Number(arg(args, 'seconds') ?? (quick ? 2 : 4));
  const batchMs = Number(arg(args, 'batch-ms') ?? 20);
  const perWorker = (BATCH * 1000) / batchMs; // rows/s one worker's handler can do at most
  console.log(
    `cluster: 1 Redis, 2 API nodes, ${counts.join('/')} worker nodes (1 worker each); handler sleeps ${batchMs} ms per ${BATCH} rows ` +
      `(ceiling ${perWorker.toFixed(0)} rows/s per worker); ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`,
  );

  const port = await freePort();
  const redisProc = await startRedis(port);
  const redisUrl = `redis://127.0.0.1:${port}`;
  const redis = new Redis(redisUrl);
  const nodes: ServeProcess[] = [];
  const rounds: Round[] = [];
  try {
    const store = `${redisUrl}?prefix=${encodeURIComponent('bench:{cluster}:')}`;
    const api = [
      await spawnServe(['--workers', '0', '--no-default-function', '--store', store]),
      await spawnServe(['--workers', '0', '--no-default-function', '--store', store]),
    ];
    nodes.push(...api);
    const fn = { name: 'gpu', maxBatchingSize: BATCH, maxBufferDuration: 5, output: 'float64' };
    const deployed = await deploy(api[0].url, fn, sleepingBundle(batchMs));
    if (deployed.status !== 201) throw new Error(`deploy failed: ${deployed.status} ${await deployed.text()}`);
    const workers: ServeProcess[] = [];
    const remotes = api.map((n) => new Remote({ url: n.url, maxConcurrency: 256 }).function('gpu', { outputType: new Float64() }));

    for (const count of counts) {
      while (workers.length < count) {
        const w = await spawnWorker(['--workers', '1', '--threads-per-worker', '1', '--store', store]);
        workers.push(w);
        nodes.push(w);
      }
      // Enough rows for `seconds` at the handlers' ceiling, and enough in flight to feed them all
      // (two batches per worker: one running, one waiting).
      const rows = Math.max(2_000, Math.round(count * perWorker * seconds));
      const chunk = 256;
      const concurrent = Math.max(2, Math.ceil((count * 2 * BATCH) / chunk / api.length) + 1);
      const table = (n: number, salt: number) => new Table({ text: vectorFromArray(Array.from({ length: n }, (_, i) => 'x'.repeat(((i + salt) % 13) + 1)), new Utf8()) });
      // Warm-up: every worker has loaded the function and Redis has the scripts.
      await Promise.all(remotes.map((r, i) => r.chunkedCall(table(count * BATCH * 2, i), { chunkSize: BATCH, concurrentChunks: count * 2 })));

      const before = await redisCounters(redis);
      const cpu0 = { api: api.reduce((s, n) => s + cpuSeconds(n.child.pid), 0), workers: workers.reduce((s, n) => s + cpuSeconds(n.child.pid), 0), client: process.cpuUsage() };
      const t0 = performance.now();
      const halves = await Promise.all(remotes.map((r, i) => r.chunkedCall(table(Math.floor(rows / 2), i), { chunkSize: chunk, concurrentChunks: concurrent })));
      const wall = (performance.now() - t0) / 1000;
      const after = await redisCounters(redis);
      const c = process.cpuUsage(cpu0.client);
      const done = halves.reduce((s, h) => s + (h.rows ?? 0) - h.failedRows, 0);
      if (halves.some((h) => h.failedRows > 0)) console.warn(`  ${halves.reduce((s, h) => s + h.failedRows, 0)} rows failed`);
      const rowsPerSec = done / wall;
      const round: Round = {
        workers: count,
        rows: done,
        seconds: wall,
        rowsPerSec,
        efficiency: rounds.length ? rowsPerSec / (count * (rounds[0].rowsPerSec / rounds[0].workers)) : 1,
        ofCeiling: rowsPerSec / (count * perWorker),
        redisOpsPerRow: (after.calls - before.calls) / done,
        redisScriptsPerRow: ((after.byCommand.evalsha ?? 0) - (before.byCommand.evalsha ?? 0)) / done,
        redisBytesPerRow: (after.bytes - before.bytes) / done,
        redisCpu: (after.cpu - before.cpu) / wall,
        redisUsPerRow: ((after.cpu - before.cpu) * 1e6) / done,
        apiUsPerRow: ((api.reduce((s, n) => s + cpuSeconds(n.child.pid), 0) - cpu0.api) * 1e6) / done,
        workersUsPerRow: ((workers.reduce((s, n) => s + cpuSeconds(n.child.pid), 0) - cpu0.workers) * 1e6) / done,
        apiCpu: (api.reduce((s, n) => s + cpuSeconds(n.child.pid), 0) - cpu0.api) / wall,
        workersCpu: (workers.reduce((s, n) => s + cpuSeconds(n.child.pid), 0) - cpu0.workers) / wall,
        clientCpu: (c.user + c.system) / 1e6 / wall,
        load: loadavg()[0],
      };
      rounds.push(round);
      console.log(
        `  ${String(count).padStart(2)} workers: ${rowsPerSec.toFixed(0).padStart(6)} rows/s (${(round.efficiency * 100).toFixed(0)}% of linear, ${(round.ofCeiling * 100).toFixed(0)}% of the handlers' ceiling); ` +
          `Redis ${round.redisOpsPerRow.toFixed(2)} ops/row (${round.redisScriptsPerRow.toFixed(2)} scripts), ${round.redisBytesPerRow.toFixed(0)} B/row, CPU ${(round.redisCpu * 100).toFixed(0)}% = ${round.redisUsPerRow.toFixed(1)} µs/row; ` +
          `CPU µs/row: API ${round.apiUsPerRow.toFixed(0)}, workers ${round.workersUsPerRow.toFixed(0)}; ` +
          `API nodes ${(round.apiCpu * 100).toFixed(0)}%, workers ${(round.workersCpu * 100).toFixed(0)}%, client ${(round.clientCpu * 100).toFixed(0)}% (of one core); load ${round.load.toFixed(1)}`,
      );
    }
  } finally {
    for (const n of nodes.reverse()) await n.kill();
    redis.disconnect();
    await stopRedis(redisProc);
  }

  const knee = rounds.find((r) => r.efficiency < 0.8);
  const busiest = (r: Round) => {
    const parts: Array<[string, number]> = [['Redis', r.redisCpu], ['API nodes', r.apiCpu], ['worker nodes', r.workersCpu], ['client', r.clientCpu]];
    return parts.sort((a, b) => b[1] - a[1]).map(([n, v]) => `${n} ${(v * 100).toFixed(0)}%`).join(', ');
  };
  const verdict = knee
    ? `scaling falls below 80% of linear at ${knee.workers} workers; CPU then (share of one core): ${busiest(knee)} — this box has ${cpus().length} cores for all of them and for other jobs (load ${knee.load.toFixed(1)}): ` +
      `a process that gets little CPU shows a low share while it waits to run. Per row, Redis used ${knee.redisUsPerRow.toFixed(1)} µs (one Redis core carries about ${(1e6 / knee.redisUsPerRow).toFixed(0)} rows/s) and the API nodes ${knee.apiUsPerRow.toFixed(0)} µs`
    : `within 80% of linear up to ${rounds[rounds.length - 1].workers} workers`;
  console.log(`  ${verdict}`);

  const here = dirname(fileURLToPath(import.meta.url));
  mkdirSync(join(here, 'results'), { recursive: true });
  const when = new Date().toISOString();
  writeFileSync(join(here, 'results', 'cluster.json'), JSON.stringify({ when, cores: cpus().length, batchMs, batch: BATCH, rounds, verdict }, null, 2));
  writeFileSync(
    join(here, 'results', 'cluster.md'),
    [
      `# Cluster simulation (${when}, ${cpus().length} cores, load ${loadavg()[0].toFixed(1)})`,
      '',
      `1 Redis, 2 API nodes (\`serve --workers 0\`), N worker nodes (\`worker --workers 1\`); handler sleeps ${batchMs} ms per ${BATCH} rows (ceiling ${perWorker.toFixed(0)} rows/s per worker). CPU as a share of one core.`,
      '',
      '| workers | rows/s | % of linear | % of ceiling | Redis ops/row | scripts/row | Redis bytes/row | Redis CPU | Redis µs/row | API nodes CPU | API µs/row | workers CPU | workers µs/row | client CPU | load |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rounds.map(
        (r) =>
          `| ${r.workers} | ${r.rowsPerSec.toFixed(0)} | ${(r.efficiency * 100).toFixed(0)} | ${(r.ofCeiling * 100).toFixed(0)} | ${r.redisOpsPerRow.toFixed(2)} | ${r.redisScriptsPerRow.toFixed(2)} | ${r.redisBytesPerRow.toFixed(0)} | ${(r.redisCpu * 100).toFixed(0)}% | ${r.redisUsPerRow.toFixed(1)} | ${(r.apiCpu * 100).toFixed(0)}% | ${r.apiUsPerRow.toFixed(0)} | ${(r.workersCpu * 100).toFixed(0)}% | ${r.workersUsPerRow.toFixed(0)} | ${(r.clientCpu * 100).toFixed(0)}% | ${r.load.toFixed(1)} |`,
      ),
      '',
      verdict[0].toUpperCase() + verdict.slice(1) + '.',
      '',
    ].join('\n'),
  );
}
