// Constant memory at any size (issue 16): `embedbook serve` (a child process) with a cheap function
// that answers a 384-d vector per row at once, so only embedbook itself is measured; then the CLI
// (`embedbook embed` in a child process) over generated Parquet inputs of each size, 1,000-row
// chunks, 8 in flight; before it, the Remote client alone (bench/scale-client.ts, results counted
// and dropped) over the same loopback. For each size: rows/s (the CLI's embedding phase, and wall clock including
// reading and writing), CLI peak RSS (VmHWM), server peak RSS and the server's RSS --settle-s after
// the run (results are freed when read, so it should fall back to idle). Ratios are same-run.
//   npm run bench -- scale [--10m] [--sizes 200000,2000000] [--cli-runs 3] [--chunk-size 1000] [--concurrency 8] [--settle-s 60] [--cpu-prof DIR] [--compare DIR]
// Each size's CLI runs --cli-runs times (default 3; 1 at 10M) and the table gives the median run's
// rows/s and CPU (every run's rows/s is printed): one run swung by ±5% between quiet runs here.
// A short run: --sizes 20000,200000 --settle-s 5
// `--compare DIR`: a same-run A/B of the CLI against another checkout (e.g. `git worktree add DIR main`
// with its node_modules linked): for each size the CLI of this tree and of DIR run alternately
// (--rounds times each, default 3) against the same server, so load hits both alike.
// At the end it prints the targets (≥ 150,000 rows/s, ratio ≥ 0.9, CLI peak < 1 GiB,
// server back within 300 MiB of idle) with the measured values.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { writeParquetChunks } from '../src/io/parquet-write';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const bin = path.join(root, 'bin', 'embedbook.mjs');
/** The node flags in bin/embedbook.mjs's shebang (`#!/usr/bin/env -S node …`), which `npx embedbook` and npm's bin shims run with. */
const BIN_NODE_FLAGS = (/^#!\/usr\/bin\/env -S node(.*)$/m.exec(readFileSync(bin, 'utf8').split('\n')[0])?.[1] ?? '').trim().split(/\s+/).filter(Boolean);

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

/** Resident and peak resident memory of a process, in MiB, from /proc. */
function memMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** CPU seconds (user + system, all threads) a process has used, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime: fields 14 and 15 of stat
}

/** Resets VmHWM (peak RSS) to the current RSS: writing 5 to clear_refs (Linux ≥ 4.0). */
function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not permitted here: the server's peak then covers everything since it started.
  }
}

async function writeInput(file: string, rows: number): Promise<void> {
  const group = 100_000;
  function* slices() {
    for (let at = 0; at < rows; at += group) {
      const n = Math.min(group, rows - at);
      const ids = Int32Array.from({ length: n }, (_, i) => at + i);
      const texts = Array.from({ length: n }, (_, i) => `document ${at + i} about topic ${(at + i) % 97}`);
      yield new Table({ id: makeVector(ids), text: vectorFromArray(texts, new Utf8()) });
    }
  }
  const out = createWriteStream(file);
  for await (const bytes of writeParquetChunks(slices(), { rowGroupRows: group, compression: 'snappy' })) {
    if (!out.write(bytes)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** `--cpu-prof DIR`: node's CPU profiler on both ends (the server with its worker threads, and each CLI run). */
let profArgs: string[] = [];

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  // Deploying needs an admin key; this one lives only as long as the benchmark's server.
  const adminKey = randomUUID();
  // With the V8 flags the bin's shebang gives `embedbook serve` (bin/embedbook.mjs: no memory reducer).
  const child = spawn(process.execPath, [...profArgs, ...BIN_NODE_FLAGS, bin, 'serve', '--port', '0', '--no-default-function'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, EMBEDBOOK_ADMIN_KEY: adminKey },
  });
  let out = '';
  child.stderr!.on('data', () => undefined);
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`embedbook serve exited with ${code}`)));
  });
  const res = await fetch(`${url}/functions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({
      definition: { name: 'cheap384', args: { text: 'string[]' }, output: 'float32[]', maxBatchingSize: 1000, maxBufferDuration: 1 },
      bundle: `const v = new Float32Array(384).map((_, i) => (i % 7) / 7);
        export default { handler: async (text) => text.map(() => v) };`,
    }),
  });
  if (!res.ok) throw new Error(`deploy answered ${res.status}: ${await res.text()}`);
  return { child, url };
}

interface Row {
  rows: number;
  /** The Remote client alone, results counted and dropped (no Parquet). */
  clientRowsPerS: number;
  clientPeakMiB: number;
  embedRowsPerS: number;
  wallRowsPerS: number;
  cliPeakMiB: number;
  serverIdleMiB: number;
  serverPeakMiB: number;
  serverAfterMiB: number;
  outputMiB: number;
  load1: number;
  /** CPU µs per row over the whole CLI run (reading, embedding, writing; start-up included) and the server's during it: less load-sensitive than rows/s. */
  cliCpuUsPerRow: number;
  serverCpuUsPerRow: number;
  /** Every CLI run's embedding rows/s (embedRowsPerS is their median). */
  cliRuns: number[];
  /** --compare: mean CLI embedding rows/s of this tree and of the other checkout, alternated in this run. */
  ab?: { here: number[]; other: number[]; hereCpu: number[]; otherCpu: number[] };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** --compare: the CLI of this tree and of `otherBin` alternately, `rounds` times each; embedding rows/s. */
async function alternate(url: string, input: string, output: string, chunk: string, concurrency: string, otherBin: string, rounds: number) {
  const ab = { here: [] as number[], other: [] as number[], hereCpu: [] as number[], otherCpu: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so a slow spell does not always hit the same one.
    for (const which of r % 2 === 0 ? (['here', 'other'] as const) : (['other', 'here'] as const)) {
      const run = await runCli(url, input, output, chunk, concurrency, which === 'here' ? bin : otherBin);
      ab[which].push(run.embedRate);
      ab[which === 'here' ? 'hereCpu' : 'otherCpu'].push(run.cpu);
      rmSync(output, { force: true });
    }
  }
  return ab;
}

/** Runs a node child to its end, sampling its peak RSS (VmHWM); rejects naming `what` if it fails. */
async function runChild(what: string, nodeArgs: string[]): Promise<{ out: string; seconds: number; peak: number; cpu: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...profArgs, ...nodeArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let peak = 0;
  let cpu = 0;
  const sampler = setInterval(() => {
    try {
      cpu = cpuSeconds(child.pid!); // the last sample before exit: within 200 ms of the total
      const now = memMiB(child.pid!).peak;
      if (Number.isFinite(now)) peak = Math.max(peak, now); // an exiting process has no VmHWM line
    } catch {
      // exited between samples
    }
  }, 200);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(sampler);
  if (code !== 0) throw new Error(`${what} exited with ${code}: ${err.slice(-2000)}`);
  return { out, seconds: (performance.now() - t0) / 1000, peak, cpu };
}

/** `--compression X` for this checkout's CLI runs (the CLI's default, zstd, when not given). */
let compressionArgs: string[] = [];

async function runCli(url: string, input: string, output: string, chunk: string, concurrency: string, cli = bin): Promise<{ seconds: number; embedRate: number; peak: number; cpu: number }> {
  const { out, seconds, peak, cpu } = await runChild('embedbook embed', [
    cli, 'embed', input, '--remote', url, '--function', 'cheap384', '--chunk-size', chunk, '--concurrent-chunks', concurrency, '-o', output, '--force', '-q',
    ...(cli === bin ? compressionArgs : []),
  ]);
  const m = /Embedding: ([\d,.]+) rows\/s/.exec(out);
  return { seconds, embedRate: m ? Number(m[1].replace(/,/g, '')) : NaN, peak, cpu };
}

/** The Remote client alone over loopback (bench/scale-client.ts): rows/s with no file I/O, and its peak RSS. */
async function runClient(url: string, rows: number, chunk: string, concurrency: string): Promise<{ rate: number; peak: number }> {
  const { out, peak } = await runChild('the loopback client', ['--import', 'tsx', path.join(here, 'scale-client.ts'), url, String(rows), chunk, concurrency]);
  const r = JSON.parse(out.trim().split('\n').pop() as string) as { rows: number; seconds: number; failed: number };
  if (r.failed) throw new Error(`${r.failed} rows failed in the loopback run`);
  return { rate: r.rows / r.seconds, peak };
}

export async function main(args: string[]): Promise<void> {
  // 10M rows take long (minutes at best on a quiet machine): only with --10m or an explicit --sizes.
  const sizes = flag(args, 'sizes', args.includes('--10m') ? '200000,2000000,10000000' : '200000,2000000').split(',').map(Number);
  const prof = flag(args, 'cpu-prof', '');
  if (prof) profArgs = ['--cpu-prof', '--cpu-prof-dir', path.resolve(prof)];
  const chunk = flag(args, 'chunk-size', '1000');
  const concurrency = flag(args, 'concurrency', '8');
  const settleS = Number(flag(args, 'settle-s', '60'));
  const compare = flag(args, 'compare', '');
  const compression = flag(args, 'compression', '');
  if (compression) compressionArgs = ['--compression', compression];
  const otherBin = compare && path.join(path.resolve(compare), 'bin', 'embedbook.mjs');
  const rounds = Number(flag(args, 'rounds', '3'));
  const cliRuns = Math.max(1, Number(flag(args, 'cli-runs', '3')));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'embedbook-scale-'));
  const { child: server, url } = await startServer();
  const rows: Row[] = [];
  try {
    await new Promise((r) => setTimeout(r, 2000));
    for (const n of sizes) {
      const input = path.join(tmp, `in-${n}.parquet`);
      const output = path.join(tmp, `out-${n}.parquet`);
      await writeInput(input, n);
      const serverIdleMiB = memMiB(server.pid!).rss;
      resetPeak(server.pid!);
      const client = await runClient(url, n, chunk, concurrency);
      // The CLI --cli-runs times (once at 10M, which takes minutes); the median run stands for the size.
      const runs: { run: Awaited<ReturnType<typeof runCli>>; serverCpu: number }[] = [];
      let outputMiB = 0;
      for (let r = 0; r < (n >= 10_000_000 ? 1 : cliRuns); r++) {
        const serverCpu0 = cpuSeconds(server.pid!);
        const run = await runCli(url, input, output, chunk, concurrency);
        runs.push({ run, serverCpu: cpuSeconds(server.pid!) - serverCpu0 });
        outputMiB = statSync(output).size / 1024 / 1024;
        rmSync(output, { force: true });
      }
      const serverPeakMiB = memMiB(server.pid!).peak;
      const { run, serverCpu } = [...runs].sort((a, b) => a.run.embedRate - b.run.embedRate)[Math.floor(runs.length / 2)];
      const cliPeakMiB = Math.max(...runs.map((r) => r.run.peak));
      const ab = otherBin ? await alternate(url, input, output, chunk, concurrency, otherBin, rounds) : undefined;
      rmSync(input, { force: true });
      await new Promise((r) => setTimeout(r, settleS * 1000));
      const row: Row = {
        rows: n, clientRowsPerS: client.rate, clientPeakMiB: client.peak, embedRowsPerS: run.embedRate, cliRuns: runs.map((r) => r.run.embedRate), wallRowsPerS: n / run.seconds, cliPeakMiB, serverIdleMiB, serverPeakMiB,
        serverAfterMiB: memMiB(server.pid!).rss, outputMiB, load1: os.loadavg()[0], ab,
        cliCpuUsPerRow: (run.cpu / n) * 1e6, serverCpuUsPerRow: (serverCpu / n) * 1e6,
      };
      rows.push(row);
      console.log(
        `${n.toLocaleString('en-US')} rows: loopback client ${Math.round(row.clientRowsPerS).toLocaleString('en-US')} rows/s (peak ${row.clientPeakMiB.toFixed(0)} MiB); CLI ${Math.round(row.embedRowsPerS).toLocaleString('en-US')} rows/s embedding, median of ${row.cliRuns.map((x) => Math.round(x).toLocaleString('en-US')).join(' / ')} (${Math.round(row.wallRowsPerS).toLocaleString('en-US')} wall), ` +
          `CLI peak ${row.cliPeakMiB.toFixed(0)} MiB, server idle ${serverIdleMiB.toFixed(0)} → peak ${serverPeakMiB.toFixed(0)} → ${settleS} s after ${row.serverAfterMiB.toFixed(0)} MiB, ` +
          `output ${outputMiB.toFixed(0)} MiB, CPU per row: CLI ${row.cliCpuUsPerRow.toFixed(1)} µs, server ${row.serverCpuUsPerRow.toFixed(1)} µs, load ${row.load1.toFixed(1)}`,
      );
      if (ab) {
        const fmt = (xs: number[]) => xs.map((x) => Math.round(x).toLocaleString('en-US')).join(' / ');
        const us = (xs: number[]) => xs.map((x) => ((x / n) * 1e6).toFixed(1)).join(' / ');
        console.log(`  A/B (alternated): this tree ${fmt(ab.here)} rows/s, ${compare} ${fmt(ab.other)} rows/s: ratio of means ${(mean(ab.here) / mean(ab.other)).toFixed(2)}`);
        console.log(`  A/B CLI CPU µs per row: this tree ${us(ab.hereCpu)}, ${compare} ${us(ab.otherCpu)}: ratio of means ${(mean(ab.hereCpu) / mean(ab.otherCpu)).toFixed(2)}`);
      }
    }
  } finally {
    server.kill('SIGINT');
    await once(server, 'exit').catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
  const base = rows[0];
  const md = [
    `| rows | loopback client rows/s (ratio) | CLI rows/s embedding (ratio) | CLI rows/s wall | CPU µs/row CLI + server | CLI peak RSS | server idle → peak → ${settleS} s after | load (1 min) |`,
    '|---:|---:|---:|---:|---:|---:|---|---:|',
    ...rows.map((r) =>
      `| ${r.rows.toLocaleString('en-US')} | ${Math.round(r.clientRowsPerS).toLocaleString('en-US')} (${(r.clientRowsPerS / base.clientRowsPerS).toFixed(2)}) | ` +
      `${Math.round(r.embedRowsPerS).toLocaleString('en-US')} (${(r.embedRowsPerS / base.embedRowsPerS).toFixed(2)}) | ${Math.round(r.wallRowsPerS).toLocaleString('en-US')} | ${r.cliCpuUsPerRow.toFixed(1)} + ${r.serverCpuUsPerRow.toFixed(1)} | ` +
      `${r.cliPeakMiB.toFixed(0)} MiB | ${r.serverIdleMiB.toFixed(0)} → ${r.serverPeakMiB.toFixed(0)} → ${r.serverAfterMiB.toFixed(0)} MiB | ${r.load1.toFixed(1)} |`),
  ].join('\n');
  console.log(`\n${md}\n(chunk ${chunk} rows, ${concurrency} in flight, cheap 384-d function; CLI rows/s and CPU: the median of ${cliRuns} runs per size, one at 10M; ${os.cpus().length} cores)`);
  console.log(targets(rows).join('\n'));
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results', 'scale.json'), JSON.stringify({ chunk, concurrency, settleS, rows }, null, 2));
  writeFileSync(path.join(here, 'results', 'scale.md'), `${md}\n`);
}

/** The targets, each with what this run measured. */
function targets(rows: Row[]): string[] {
  const base = rows[0];
  const last = rows[rows.length - 1];
  const best = Math.max(...rows.map((r) => r.embedRowsPerS));
  const peak = Math.max(...rows.map((r) => r.cliPeakMiB));
  const back = Math.max(...rows.map((r) => r.serverAfterMiB - r.serverIdleMiB));
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return [
    `target ≥ 150,000 rows/s (CLI, embedding; a size's median run): best ${Math.round(best).toLocaleString('en-US')} → ${verdict(best >= 150_000)}`,
    `target rows/s ratio ${last.rows.toLocaleString('en-US')} / ${base.rows.toLocaleString('en-US')} ≥ 0.9: ${(last.embedRowsPerS / base.embedRowsPerS).toFixed(2)} → ${verdict(last.embedRowsPerS / base.embedRowsPerS >= 0.9)}`,
    `target CLI peak < 1 GiB: ${peak.toFixed(0)} MiB → ${verdict(peak < 1024)}`,
    `target server back within 300 MiB of idle: at most +${back.toFixed(0)} MiB → ${verdict(back <= 300)}`,
    `load average (1/5/15 min) at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}`,
  ];
}
