// The reader side of the CSV / Parquet fuzz, in a worker thread so the harness can stop a hung
// case (a loop in JS or in wasm cannot be interrupted from inside). Runs cases [from, to) and
// posts one message per case: the reader's outcome (ok, or the name of the error it threw) and
// whether that error is one of the io's own classes.
import { parentPort, workerData } from 'node:worker_threads';
import { readCsv } from '../../src/io/csv-read';
import { DatasetError } from '../../src/io/errors';
import { readParquet } from '../../src/io/parquet-read';
import { caseRng, mutate } from './mutate';
import { CSV_TOKENS, csvSeeds, parquetSeeds, type IoSeed } from './io-seeds';

export interface IoCaseResult {
  i: number;
  ms: number;
  outcome: string;
  /** Set when the reader threw something that is not a DatasetError. */
  uncaught?: string;
}

export interface IoWorkerData {
  target: 'csv' | 'parquet';
  seed: number;
  from: number;
  to: number;
}

/** The input of case i: deterministic, so the harness can rebuild a hung case. */
export function ioCase(seeds: IoSeed[], target: 'csv' | 'parquet', seed: number, i: number): { seed: IoSeed; bytes: Uint8Array } {
  const rng = caseRng(seed, i);
  const s = rng.pick(seeds);
  return { seed: s, bytes: rng.chance(0.02) ? s.bytes : mutate(s.bytes, rng, s.hot, target === 'csv' ? CSV_TOKENS : []) };
}

export async function ioSeedsFor(target: 'csv' | 'parquet'): Promise<IoSeed[]> {
  return target === 'csv' ? csvSeeds() : parquetSeeds();
}

async function main(data: IoWorkerData): Promise<void> {
  const seeds = await ioSeedsFor(data.target);
  for (let i = data.from; i < data.to; i++) {
    const { seed, bytes } = ioCase(seeds, data.target, data.seed, i);
    const t0 = performance.now();
    let outcome = 'ok';
    let uncaught: string | undefined;
    try {
      const r = data.target === 'csv' ? await readCsv(bytes, { fileName: seed.fileName, batchBytes: 64 }) : await readParquet(bytes, { fileName: seed.fileName });
      outcome = r.table.numRows > 0 ? 'ok' : 'ok (no rows)';
    } catch (err) {
      outcome = err instanceof Error ? err.name : typeof err;
      if (!(err instanceof DatasetError)) uncaught = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err);
    }
    parentPort?.postMessage({ i, ms: performance.now() - t0, outcome, uncaught } satisfies IoCaseResult);
  }
  parentPort?.postMessage('done');
}

if (parentPort && workerData) await main(workerData as IoWorkerData);
