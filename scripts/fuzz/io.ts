// `npm run fuzz -- csv` / `npm run fuzz -- parquet`: mutated files through the dataset readers of
// src/io, in a worker thread watched from here. Pass: no hang (a case still running after
// HANG_MS), and every failure one of the io's own error classes (DatasetError and descendants)
// — nothing uncaught, no RangeError or wasm RuntimeError reaching the caller.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FuzzRunOptions } from './ipc';
import { ioCase, ioSeedsFor, type IoCaseResult, type IoWorkerData } from './io-worker';
import { count, percentile, type FuzzReport } from './report';

const HANG_MS = 20_000;
const BOOT = new URL('./io-boot.mjs', import.meta.url);

async function runIoFuzz(target: 'csv' | 'parquet', opts: FuzzRunOptions): Promise<FuzzReport> {
  const saveDir = opts.saveDir ?? join('.cache', 'fuzz', target);
  const report: FuzzReport = {
    target,
    seed: opts.seed,
    cases: 0,
    seconds: 0,
    failures: { hangs: 0, 'uncaught (not an io error class)': 0 },
    outcomes: new Map(),
    slowestMs: 0,
    p99Ms: 0,
    saved: [],
    notes: [],
  };
  const seeds = await ioSeedsFor(target);
  const save = (i: number, why: string) => {
    if (report.saved.length >= 50) return;
    mkdirSync(saveDir, { recursive: true });
    const { seed, bytes } = ioCase(seeds, target, opts.seed, i);
    const path = join(saveDir, `case-${opts.seed}-${i}-${seed.fileName}`);
    writeFileSync(path, bytes);
    report.saved.push(`${path} (from ${seed.what}): ${why.slice(0, 400)}`);
  };
  const times: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + opts.seconds * 1000;
  let next = 0;
  // One worker runs the cases in order; a hung case is recorded, the worker replaced, and the run
  // goes on after it.
  while (next < opts.cases && performance.now() < deadline) {
    const worker = new Worker(BOOT, { workerData: { target, seed: opts.seed, from: next, to: opts.cases } satisfies IoWorkerData });
    const stopped = await new Promise<'done' | 'hang' | 'time' | 'died'>((resolve) => {
      let timer = setTimeout(() => resolve('hang'), HANG_MS * 3); // the first case also loads the readers
      worker.on('message', (m: IoCaseResult | 'done') => {
        if (m === 'done') return resolve('done');
        clearTimeout(timer);
        timer = setTimeout(() => resolve('hang'), HANG_MS);
        next = m.i + 1;
        report.cases++;
        times.push(m.ms);
        report.slowestMs = Math.max(report.slowestMs, m.ms);
        count(report.outcomes, m.outcome);
        if (m.uncaught) {
          report.failures['uncaught (not an io error class)']++;
          save(m.i, m.uncaught);
        }
        if (performance.now() > deadline) resolve('time');
      });
      worker.on('error', (err) => resolve(report.notes.push(`worker error after case ${next - 1}: ${err.message}`) ? 'died' : 'died'));
      worker.on('exit', () => resolve('died'));
    });
    await worker.terminate();
    if (stopped === 'hang') {
      report.failures.hangs++;
      report.cases++;
      save(next, `still running after ${HANG_MS / 1000} s`);
      next++;
    } else if (stopped === 'died') {
      report.failures['uncaught (not an io error class)']++;
      report.cases++;
      save(next, 'the worker thread died on it');
      next++;
    } else break;
  }
  report.seconds = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  report.p99Ms = percentile(times, 0.99);
  return report;
}

export const runCsvFuzz = (opts: FuzzRunOptions) => runIoFuzz('csv', opts);
export const runParquetFuzz = (opts: FuzzRunOptions) => runIoFuzz('parquet', opts);
