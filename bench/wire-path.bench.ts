// The wire's share of one queue chunk's main-thread CPU, this checkout against an older commit in
// the SAME process: the client's encode of a 25-text chunk, the server's read and argument
// extraction, the all-ok 25 × 512-d answer build, and the client's answer decode — each run once
// per 40 ms, the two trees taking turns, as the queue's idle-40 scenario runs them (a cold path:
// caches and branch predictors hold other work between calls, so a call costs several times its
// hot-loop time, bench/queue-ab.bench.ts). CPU µs per op (process.cpuUsage), median of --n runs.
//   npm run bench -- wire-path [--base <commit>] [--n 60]
// The base must have the same module layout (call-codec, arrow-io, call-results): 7e2441d or later.
// Writes bench/results/wire-path.{json,md}.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { baseTree } from './queue-ab.bench';
import { pct } from './floor';
import { writeResults } from './write-results';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Stages = Record<string, () => unknown>;

/** One tree's four stages over the same 25 texts and 512-d answer, from its own modules (and apache-arrow). */
async function stagesOf(root: string): Promise<Stages> {
  const imp = async <T>(rel: string) => (await import(pathToFileURL(path.join(root, rel)).href)) as T;
  type Arrow = typeof import('apache-arrow');
  const { Table, Utf8, vectorFromArray } = await imp<Arrow>('node_modules/apache-arrow/Arrow.node.mjs');
  const codec = await imp<{ encodeCallArgs(t: unknown): Uint8Array; decodeCallAnswer(b: Uint8Array): unknown }>('src/client/call-codec.ts');
  const { decodeCallResult } = await imp<{ decodeCallResult(a: unknown, rows: number, where: string): unknown }>('src/client/remote-batch.ts');
  const io = await imp<{ readCallBody(b: Uint8Array, l: object): unknown; extractColumns(s: object, i: unknown): unknown; resultIpc(r: unknown, t: string): Uint8Array }>('src/server/arrow-io.ts');
  const { CallResults } = await imp<{ CallResults: new (n: number) => { setOk(i: number, v: unknown): void } }>('src/server/call-results.ts');
  const { FIDELITY_SENTENCES } = await imp<{ FIDELITY_SENTENCES: string[] }>('src/model/use/fidelity-sentences.ts');
  const texts = Array.from({ length: 25 }, (_, i) => FIDELITY_SENTENCES[i % FIDELITY_SENTENCES.length]);
  const table = new Table({ text: vectorFromArray(texts, new Utf8()) });
  // The server's body as Node hands it over (a Buffer), the worker pool's vectors as one block.
  const body = Buffer.from(codec.encodeCallArgs(table));
  const block = new Float32Array(25 * 512).fill(0.5);
  const results = new CallResults(25);
  texts.forEach((_, i) => results.setOk(i, block.subarray(i * 512, (i + 1) * 512)));
  const answer = io.resultIpc(results, 'float32[]');
  const spec = { name: 'f', args: { text: 'string[]' }, output: 'float32[]' };
  return {
    'client encode': () => codec.encodeCallArgs(table),
    'server read + extract': () => io.extractColumns(spec, io.readCallBody(body, { maxRows: 10_000 })),
    'answer build': () => io.resultIpc(results, 'float32[]'),
    'client decode': () => decodeCallResult(codec.decodeCallAnswer(answer), 25, 'bench'),
  };
}

const pause = () => new Promise((r) => setTimeout(r, 40));

export async function main(args: string[]): Promise<void> {
  const at = args.indexOf('--n');
  const n = at >= 0 ? Number(args[at + 1]) : 60;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--n must be a positive integer, got ${args[at + 1]}`);
  const b = args.indexOf('--base');
  const { dir, sha } = baseTree(b >= 0 && args[b + 1] ? args[b + 1] : '7e2441d');
  const sides = [
    { name: `${sha} (base)`, stages: await stagesOf(dir) },
    { name: 'this checkout', stages: await stagesOf(repo) },
  ];
  // Hot first (the JIT has optimised every stage), then the cold runs that count.
  for (const s of sides) for (const f of Object.values(s.stages)) for (let i = 0; i < 2000; i++) f();
  const load0 = os.loadavg()[0];
  const cpu = sides.map(() => new Map<string, number[]>());
  for (let i = 0; i < n; i++) {
    for (const k of i % 2 ? [1, 0] : [0, 1]) {
      for (const [stage, f] of Object.entries(sides[k].stages)) {
        await pause();
        const c0 = process.cpuUsage();
        f();
        const c = process.cpuUsage(c0);
        cpu[k].set(stage, [...(cpu[k].get(stage) ?? []), c.user + c.system]);
      }
    }
  }
  const stages = Object.keys(sides[0].stages);
  const rows = stages.map((stage) => ({ stage, base: pct(cpu[0].get(stage) ?? [], 50), head: pct(cpu[1].get(stage) ?? [], 50) }));
  const sum = (k: 'base' | 'head') => rows.reduce((a, r) => a + r[k], 0);
  rows.push({ stage: 'per chunk (sum)', base: sum('base'), head: sum('head') });
  console.table(rows);
  const summary = { bench: 'wire-path', date: new Date().toISOString(), base: sha, n, machine: { cores: os.availableParallelism(), loadAvg1m: [load0, os.loadavg()[0]].map((x) => Number(x.toFixed(2))), node: process.version }, unit: 'CPU µs per op, median', rows };
  const md = [
    '# wire path per chunk, cold (same process)',
    '',
    `${summary.date} · ${sha} vs this checkout · each stage once per 40 ms, the trees taking turns, ${n} runs each · load avg ${summary.machine.loadAvg1m.join(' → ')} · Node ${process.version}`,
    '',
    `| stage (25 texts in, 25 × 512-d out) | ${sha} µs | this checkout µs |`,
    '|---|---:|---:|',
    ...rows.map((r) => `| ${r.stage} | ${r.base} | ${r.head} |`),
    '',
  ].join('\n');
  writeResults('wire-path', summary, md);
  console.log(md);
}
