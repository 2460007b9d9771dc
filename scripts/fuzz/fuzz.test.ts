// The fuzz harness, bounded, inside `npm test`: 5,000 mutated bodies against a real queue server
// (in its own process) and a few thousand mutated CSV / Parquet files through src/io's readers.
// The pass criteria are the harness's own: no crash, no 5xx, no answer slower than 1 s × the load per core, every
// error in the documented shape, /health answering; no hang and no error outside the io's
// classes. `npm run fuzz -- <target> --cases 100000` is the long run (figures in docs/server.md).
import { describe, expect, test } from 'vitest';
import { runCsvFuzz, runParquetFuzz } from './io';
import { runIpcFuzz } from './ipc';
import { caseRng, mutate } from './mutate';
import { ipcHotspots, ipcSeeds } from './ipc-seeds';
import { formatReport, type FuzzReport } from './report';

function expectClean(r: FuzzReport, cases: number): void {
  console.log(formatReport(r));
  const none = Object.fromEntries(Object.keys(r.failures).map((k) => [k, 0]));
  expect({ failures: r.failures, saved: r.saved }).toEqual({ failures: none, saved: [] });
  expect(r.cases).toBe(cases);
}

describe('the mutator', () => {
  test('is deterministic per (seed, case) and aims at the IPC lengths and counts', () => {
    const seed = ipcSeeds()[0];
    const a = mutate(seed.body, caseRng(7, 42), seed.hot);
    const b = mutate(seed.body, caseRng(7, 42), seed.hot);
    expect(a).toEqual(b);
    expect(mutate(seed.body, caseRng(7, 43), seed.hot)).not.toEqual(a);
    // The 392-byte attack's row count (byte 0xC8) is among the hotspots of a one-row text stream.
    expect(ipcHotspots(seed.body)).toContainEqual({ at: 0xc8, width: 8 });
  });
});

// Seeds differ per run so CI keeps exploring; a failure prints the seed and saves the inputs.
const seed = Number(process.env.FUZZ_SEED ?? Date.now() & 0xffff);

test('IPC bodies: 5,000 cases against a real server', { timeout: 240_000 }, async () => {
  expectClean(await runIpcFuzz({ cases: 5000, seconds: 200, seed }), 5000);
});

test('CSV reader: 3,000 mutated files', { timeout: 120_000 }, async () => {
  expectClean(await runCsvFuzz({ cases: 3000, seconds: 100, seed }), 3000);
});

test('Parquet reader: 2,000 mutated files', { timeout: 120_000 }, async () => {
  expectClean(await runParquetFuzz({ cases: 2000, seconds: 100, seed }), 2000);
});
