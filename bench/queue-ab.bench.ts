// The queue's per-chunk overhead and throughput, this checkout against an older commit in the SAME
// run: a git worktree of --base (default 8965d0d, the last commit before the wire codec moved to
// apache-arrow and the server to columnar stores), each side's own server and Remote client in a
// child process (bench/queue-ab-child.ts), the two sides taking turns every --block chunks (who goes
// first alternating), so a burst of load on a shared machine hits both alike.
//   npm run bench -- queue-ab [--base <commit>] [--rounds 8] [--chunks 16] [--block 2] [--split]
//                             [--scenarios idle-40,…] [--cpu-prof <dir>]
// --split adds a third side taking the same turns: this checkout's server driven by the base's
// Remote client, so a difference splits into the server's share (split − base) and the client's
// (head − split).
// Scenarios (batch 25, the server as `embedbook serve` starts it): a handler answering 25 × 512-d
// vectors at once (idle-0) and after sleeping 40 ms (idle-40, as long as a model batch), the
// default model (embed-25) — overhead = sequential chunk latency through the Remote client minus
// the handler time the worker reports — and throughput-25: rows/s through Remote.chunkedCall ÷ an
// in-process onnxruntime loop over the same rows (each side's own ratio, the queue bench's target).
// CPU: each side's process CPU (server, its worker threads and the client: process.cpuUsage) per
// overhead chunk, paired block by block like the latencies. --cpu-prof <dir> also writes each side's
// main-thread CPU profile of the measured rounds (<dir>/<side>.cpuprofile, 200 µs sampling) and
// prints its busy time per chunk; with --scenarios idle-40 that is the issue's per-chunk number.
// Writes bench/results/queue-ab.{json,md}.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIDELITY_SENTENCES } from '../src/model/use/fidelity-sentences';
import { defaultModelDir } from '../src/model/registry-node';
import type { Answer, Ask, Scenario } from './queue-ab-child';
import { pct } from './floor';
import { writeResults } from './write-results';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const SCENARIOS: Scenario[] = ['idle-0', 'idle-40', 'embed-25', 'throughput-25'];

function arg(args: string[], name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
}

function positive(args: string[], name: string, dflt: number): number {
  const v = Number(arg(args, name, String(dflt)));
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${name} must be a positive integer, got ${arg(args, name, '')}`);
  return v;
}

/** A detached worktree of `base` next to the OS temp dir, sharing this checkout's node_modules. */
export function baseTree(base: string): { dir: string; sha: string } {
  const sha = execFileSync('git', ['rev-parse', '--short', `${base}^{commit}`], { cwd: repo, encoding: 'utf8' }).trim();
  const dir = path.join(os.tmpdir(), `embedbook-ab-${sha}`);
  if (!existsSync(path.join(dir, 'package.json'))) execFileSync('git', ['worktree', 'add', '--detach', '--force', dir, sha], { cwd: repo, stdio: 'ignore' });
  if (!existsSync(path.join(dir, 'node_modules'))) symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  return { dir, sha };
}

interface Side {
  name: string;
  child: ChildProcess;
  ask(a: Ask | string): Promise<Answer>;
}

async function startSide(name: string, root: string, modelDir: string, clientRoot = root): Promise<Side> {
  const child = fork(path.join(here, 'queue-ab-child.ts'), [root, modelDir, clientRoot], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(`${name}: ${JSON.stringify(m)}`))));
    child.once('exit', (code) => reject(new Error(`${name} side exited with ${code} before it was ready`)));
  });
  const ask = (a: Ask | string) =>
    new Promise<Answer>((resolve, reject) => {
      child.once('message', (m) => {
        const r = m as Answer & { error?: string };
        if (r.error) reject(new Error(`${name}: ${r.error}`));
        else resolve(r);
      });
      child.send(a);
    });
  return { name, child, ask };
}

const f2 = (x: number) => Number(x.toFixed(2));

/** A main-thread profile's busy time (every sample but idle), ms. */
function busyMs(file: string): number {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Array<{ id: number; callFrame: { functionName: string } }>; samples: number[]; timeDeltas: number[] };
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  let us = 0;
  p.samples.forEach((id, i) => {
    if (!idle.has(id)) us += p.timeDeltas[i] ?? 0;
  });
  return us / 1000;
}

/**
 * --split: the third side's value (head server, base client) and, paired block by block (or round
 * by round), the server's share of head − base (split − base) and the client's (head − split).
 */
function splitOf(sp: number[], base: number[], head: number[]): { split?: number; serverDiff?: number; clientDiff?: number } {
  if (!sp.length) return {};
  return { split: f2(pct(sp, 50)), serverDiff: f2(pct(sp.map((x, i) => x - base[i]), 50)), clientDiff: f2(pct(head.map((x, i) => x - sp[i]), 50)) };
}

export async function main(args: string[]): Promise<void> {
  const rounds = positive(args, 'rounds', 8);
  const perRound = positive(args, 'chunks', 16);
  const block = positive(args, 'block', 2);
  const split = args.includes('--split');
  const scenarios = arg(args, 'scenarios', SCENARIOS.join(',')).split(',') as Scenario[];
  for (const sc of scenarios) if (!SCENARIOS.includes(sc)) throw new RangeError(`--scenarios: unknown scenario "${sc}" (${SCENARIOS.join(', ')})`);
  const profDir = arg(args, 'cpu-prof', '');
  const { dir, sha } = baseTree(arg(args, 'base', '8965d0d'));
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: repo, encoding: 'utf8' }).trim() !== '';
  const texts = Array.from({ length: perRound * 25 }, (_, i) => FIDELITY_SENTENCES[i % FIDELITY_SENTENCES.length]);
  const chunks = Array.from({ length: perRound }, (_, i) => texts.slice(i * 25, (i + 1) * 25));
  // Both sides run the same model file (the int8 default came later than some bases).
  const modelDir = defaultModelDir();
  const load0 = os.loadavg()[0];
  console.log(`queue A/B: this checkout (${head}${dirty ? ', src modified' : ''}) vs ${sha} at ${dir}; ${rounds} rounds × ${perRound} chunks of 25; load avg ${load0.toFixed(2)}`);
  const sides = [await startSide('base', dir, modelDir), await startSide('head', repo, modelDir)];
  if (split) sides.push(await startSide('split', repo, modelDir, dir));
  const samples = new Map<string, number[][]>(); // `${scenario}/${side}` → samples per block (throughput: per round)
  const cpu = new Map<string, number[]>(); // `${scenario}/${side}` → process CPU ms per chunk, per block
  const push = (key: string, a: Answer, n: number) => {
    samples.set(key, [...(samples.get(key) ?? []), a.samples]);
    cpu.set(key, [...(cpu.get(key) ?? []), a.cpuUs / 1000 / n]);
  };
  let measured = 0; // chunks each side ran in the measured rounds
  try {
    for (const s of sides) for (const sc of scenarios) await s.ask({ scenario: sc, chunks: chunks.slice(0, 4) }); // warm both
    if (profDir) for (const s of sides) await s.ask('profile-start');
    let flip = false;
    for (let r = 0; r < rounds; r++) {
      for (const sc of scenarios) {
        // Overhead: the sides take turns every `block` chunks (the first side alternating), so
        // load that drifts within seconds still hits both alike; throughput: one pass each.
        const step = sc === 'throughput-25' ? chunks.length : block;
        for (let i = 0; i < chunks.length; i += step) {
          flip = !flip;
          const part = chunks.slice(i, i + step);
          for (const s of flip ? sides : [...sides].reverse()) push(`${sc}/${s.name}`, await s.ask({ scenario: sc, chunks: part }), part.length);
          measured += part.length;
        }
      }
      console.log(`round ${r + 1}/${rounds} done, load avg ${os.loadavg()[0].toFixed(2)}`);
    }
    if (profDir) {
      mkdirSync(profDir, { recursive: true });
      for (const s of sides) await s.ask(`profile-stop:${path.resolve(profDir, `${s.name}.cpuprofile`)}`);
    }
  } finally {
    for (const s of sides) s.child.send('close');
  }
  const perSide = Math.max(1, measured);
  const profiles = profDir
    ? sides.map((s) => ({ side: s.name, file: path.resolve(profDir, `${s.name}.cpuprofile`), mainThreadMsPerChunk: f2(busyMs(path.resolve(profDir, `${s.name}.cpuprofile`)) / perSide) }))
    : [];
  const load1 = os.loadavg()[0];
  const rows = scenarios.map((sc) => {
    const base = samples.get(`${sc}/base`) ?? [];
    const hd = samples.get(`${sc}/head`) ?? [];
    const sp = samples.get(`${sc}/split`) ?? [];
    if (sc === 'throughput-25') {
      // Each side's queue ÷ direct ratio per round; median and range.
      const ratio = (xs: number[][]) => xs.map(([q, d]) => q / d);
      const [rb, rh] = [ratio(base), ratio(hd)];
      return { scenario: sc, unit: 'queue ÷ direct', base: f2(pct(rb, 50)), head: f2(pct(rh, 50)), baseRange: `${Math.min(...rb).toFixed(2)}–${Math.max(...rb).toFixed(2)}`, headRange: `${Math.min(...rh).toFixed(2)}–${Math.max(...rh).toFixed(2)}`, diff: f2(pct(rh, 50) - pct(rb, 50)), headP99: NaN, baseP99: NaN, ...splitOf(ratio(sp), rb, rh) };
    }
    // Per block of `block` chunks: its median; Δ pairs each base block with the head block run next to it.
    const blockP50 = (xs: number[][]) => xs.map((x) => pct(x, 50));
    const [pb, ph] = [blockP50(base), blockP50(hd)];
    // CPU per chunk: each side's median over blocks, Δ paired block by block like the latencies.
    const [cb, ch, cs] = [cpu.get(`${sc}/base`) ?? [], cpu.get(`${sc}/head`) ?? [], cpu.get(`${sc}/split`) ?? []];
    const cpuCols = { baseCpu: f2(pct(cb, 50)), headCpu: f2(pct(ch, 50)), cpuDiff: f2(pct(ch.map((x, i) => x - cb[i]), 50)), ...(cs.length ? { splitCpu: f2(pct(cs, 50)) } : {}) };
    const diffs = pb.map((b, i) => ph[i] - b);
    const ps = blockP50(sp);
    // The spread of each side: the range of its per-round medians.
    const perRoundP50 = (xs: number[][]) => Array.from({ length: rounds }, (_, r) => pct(xs.slice((r * xs.length) / rounds, ((r + 1) * xs.length) / rounds).flat(), 50));
    const [rb, rh] = [perRoundP50(base), perRoundP50(hd)];
    return {
      scenario: sc,
      unit: 'overhead p50 ms',
      base: f2(pct(base.flat(), 50)),
      head: f2(pct(hd.flat(), 50)),
      baseRange: `${Math.min(...rb).toFixed(2)}–${Math.max(...rb).toFixed(2)}`,
      headRange: `${Math.min(...rh).toFixed(2)}–${Math.max(...rh).toFixed(2)}`,
      diff: f2(pct(diffs, 50)),
      baseP99: f2(pct(base.flat(), 99)),
      headP99: f2(pct(hd.flat(), 99)),
      ...cpuCols,
      ...splitOf(ps, pb, ph),
    };
  });
  console.table(rows);
  const summary = { bench: 'queue-ab', date: new Date().toISOString(), head, headSrcModified: dirty, base: sha, split, rounds, chunksPerRound: perRound, block, machine: { cores: os.availableParallelism(), loadAvg1m: [f2(load0), f2(load1)], node: process.version }, rows, profiles };
  const md = [
    '# queue A/B (same run)',
    '',
    `${summary.date} · this checkout ${head}${dirty ? ' (src modified)' : ''} vs ${sha} · ${rounds} rounds × ${perRound} sequential chunks of 25 rows per side and scenario, the sides taking turns every ${block} chunks · server defaults (${os.availableParallelism()} single-threaded workers) · load avg ${load0.toFixed(2)} → ${load1.toFixed(2)} · Node ${process.version}`,
    '',
    `Overhead: sequential chunk latency through the Remote client (POST ?wait) minus the handler time the worker reports; p50 over all chunks, [range of the per-round p50s], Δ = median over adjacent block pairs of (head block p50 − base block p50), the sides taking turns every ${block} chunks. Throughput: Remote.chunkedCall (2 chunks per worker in flight) ÷ an in-process onnxruntime loop over the same rows, each side its own ratio (target ≥ 0.95).`,
    '',
    `| scenario | ${sha} (base) [range] | ${head} (head) [range] | Δ head − base | p99 base / head | CPU ms/chunk base → head (Δ) |`,
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.scenario} (${r.unit}) | ${r.base} [${r.baseRange}] | ${r.head} [${r.headRange}] | ${r.diff} | ${Number.isNaN(r.baseP99) ? '' : `${r.baseP99} / ${r.headP99}`} | ${r.scenario === 'throughput-25' ? '' : `${r.baseCpu} → ${r.headCpu} (${r.cpuDiff})`} |`),
    '',
    'CPU ms/chunk: the side\'s whole process (server, worker threads, client) per overhead chunk, median over blocks; Δ paired block by block.',
    '',
    ...(profiles.length
      ? [`Main-thread CPU per chunk from --cpu-prof (busy samples of the measured rounds ÷ ${perSide} chunks, scenarios ${scenarios.join(', ')}): ${profiles.map((p) => `${p.side} ${p.mainThreadMsPerChunk} ms`).join(' · ')}.`, '']
      : []),
    ...(split
      ? [
          `--split: a third side, this checkout's server driven by ${sha}'s Remote client, in the same turns; Δ paired block by block (throughput: round by round).`,
          '',
          `| scenario | head server + base client | Δ server (split − base) | Δ client (head − split) | CPU ms/chunk split |`,
          '|---|---:|---:|---:|---:|',
          ...rows.map((r) => `| ${r.scenario} | ${r.split} | ${r.serverDiff} | ${r.clientDiff} | ${'splitCpu' in r ? r.splitCpu : ''} |`),
          '',
        ]
      : []),
  ].join('\n');
  writeResults('queue-ab', summary, md);
  console.log(md);
}
