// Redeploying a function must not grow the server's memory: an ES module cannot be unloaded from a
// thread, so every worker that imported an old bundle version is replaced once idle
// (docs/server.md, "Handler isolation"). This benchmark redeploys a 1 MB bundle N times over real
// HTTP, one call to each version, and prints the process RSS before and after — with worker
// recycling (the server as it runs) and, in the same run, without it (the old behaviour) as the
// baseline.
//   npm run bench -- redeploy [--count 200] [--workers 2]
// Writes bench/results/redeploy.json and redeploy.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tableToIPC } from 'apache-arrow';
import { createServer } from '../src/server';
import { textTable, result, callId, ARROW } from '../src/server/test-fixtures/http';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
}

/** A 1 MB bundle, different for every version (as a real redeploy's code would be). */
function bundle(version: number): string {
  const pad = `v${version}:`.padEnd(1024 * 1024, 'x');
  return `const PAD = ${JSON.stringify(pad)};\nexport default { handler: (text) => text.map((t) => t.length + (PAD.length > 0 ? 0 : 1)) };\n`;
}

const mb = (bytes: number) => bytes / 2 ** 20;

async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 300));
  }
  return process.memoryUsage().rss;
}

interface Pass {
  recycle: boolean;
  count: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  growthMb: number;
  perRedeployKb: number;
  seconds: number;
  workersReplaced: number;
}

async function pass(recycle: boolean, count: number, workers: number): Promise<Pass> {
  // Deploying needs an admin key (docs/server.md); the bench's own, on loopback.
  const adminKey = 'redeploy-bench';
  const server = createServer({ host: '127.0.0.1', port: 0, workers, threadsPerWorker: 1, recycleUnloadedWorkers: recycle, adminKey });
  const { url } = await server.listen();
  let version = 0;
  const redeploy = async () => {
    version++;
    const res = await fetch(`${url}/functions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ definition: { name: 'big', maxBatchingSize: 4, maxBufferDuration: 0, output: 'float64' }, bundle: bundle(version) }),
    });
    if (res.status !== 201) throw new Error(`deploy answered ${res.status}: ${await res.text()}`);
    const submitted = await fetch(`${url}/functions/big/calls`, { method: 'POST', headers: { 'content-type': ARROW }, body: tableToIPC(textTable(['abc']), 'stream') as unknown as BodyInit });
    const { table } = await result(url, await callId(submitted));
    if (table.getChild('result')?.get(0) !== 3) throw new Error('wrong result');
  };
  try {
    await server.queue.pool.ready();
    for (let i = 0; i < 10; i++) await redeploy(); // warm-up: every worker has loaded a version
    await server.queue.pool.ready();
    const before = await settledRss();
    const replacedBefore = server.queue.pool.recycled;
    const t0 = performance.now();
    for (let i = 0; i < count; i++) await redeploy();
    const seconds = (performance.now() - t0) / 1000;
    await server.queue.pool.ready();
    const after = await settledRss();
    return {
      recycle, count, seconds,
      rssBeforeMb: mb(before), rssAfterMb: mb(after), growthMb: mb(after - before), perRedeployKb: (after - before) / 1024 / count,
      workersReplaced: server.queue.pool.recycled - replacedBefore,
    };
  } finally {
    await server.close();
  }
}

export async function main(args: string[]): Promise<void> {
  const count = arg(args, 'count', 200);
  const workers = arg(args, 'workers', 2);
  console.log(`${count} redeploys of a 1 MB bundle, one call each, ${workers} workers (${cpus().length} cores, load ${loadavg()[0].toFixed(1)})`);
  const passes: Pass[] = [];
  for (const recycle of [false, true]) {
    const p = await pass(recycle, count, workers);
    passes.push(p);
    console.log(
      `${recycle ? 'workers replaced (server default)' : 'workers kept (old behaviour)   '}: RSS ${p.rssBeforeMb.toFixed(0)} MB → ${p.rssAfterMb.toFixed(0)} MB ` +
        `(${p.growthMb >= 0 ? '+' : ''}${p.growthMb.toFixed(1)} MB, ${p.perRedeployKb.toFixed(0)} KB per redeploy), ${p.workersReplaced} workers replaced, ${p.seconds.toFixed(1)} s`,
    );
  }
  const [kept, replaced] = passes;
  const ratio = kept.growthMb > 0 ? replaced.growthMb / kept.growthMb : NaN;
  console.log(`growth with replacement ÷ growth without: ${ratio.toFixed(2)}`);
  const here = dirname(fileURLToPath(import.meta.url));
  mkdirSync(join(here, 'results'), { recursive: true });
  const when = new Date().toISOString();
  writeFileSync(join(here, 'results', 'redeploy.json'), JSON.stringify({ when, count, workers, load: loadavg()[0], passes, ratio }, null, 2));
  writeFileSync(
    join(here, 'results', 'redeploy.md'),
    [
      `# Redeploy memory (${when}, ${cpus().length} cores, load ${loadavg()[0].toFixed(1)})`,
      '',
      `${count} redeploys of a 1 MB bundle over HTTP, one call to each version, ${workers} workers; RSS after 10 warm-up redeploys and after the run (3 × gc + 300 ms each).`,
      '',
      '| workers after an unload | RSS before MB | RSS after MB | growth MB | KB per redeploy | workers replaced | seconds |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...passes.map((p) => `| ${p.recycle ? 'replaced (default)' : 'kept (old behaviour)'} | ${p.rssBeforeMb.toFixed(0)} | ${p.rssAfterMb.toFixed(0)} | ${p.growthMb.toFixed(1)} | ${p.perRedeployKb.toFixed(0)} | ${p.workersReplaced} | ${p.seconds.toFixed(1)} |`),
      '',
      `Growth with replacement ÷ without: ${ratio.toFixed(2)}.`,
      '',
    ].join('\n'),
  );
}
