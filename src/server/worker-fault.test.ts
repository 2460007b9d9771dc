// Fault injection: a worker dies (process.exit, an uncaught error outside the handler) or hangs
// mid-batch. The pool must replace it and re-run the batch so every row of every call comes back
// exactly once, in order — with retries: 0, so the re-run is not hiding behind the retry budget.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultBundle } from './test-fixtures/handlers';
import { auth, callId, column, result, start, submit, TEST_ADMIN_KEY, textTable, type Running } from './test-fixtures/http';

const dir = mkdtempSync(join(tmpdir(), 'embedbook-fault-'));
const MODES = ['exit', 'throw-top-level', 'hang'] as const;
const flag = (mode: string) => join(dir, `${mode}.flag`);

let s: Running;
beforeAll(async () => {
  s = await start({
    workers: 2,
    maxCrashReruns: 1, // a lost batch is re-run once on a fresh worker before it counts as failed
    functions: MODES.map((mode) => ({
      definition: { name: `fault-${mode}`, maxBatchingSize: 8, maxBufferDuration: 10, retries: 0, output: 'utf8', batchTimeoutMs: 1500 },
      bundle: faultBundle(flag(mode), mode),
    })),
  });
});
afterAll(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function restarts(): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return Number(/^embedbook_worker_restarts_total (\d+)$/m.exec(text)?.[1]);
}

describe.each(MODES)('a worker lost mid-batch (%s)', (mode) => {
  test('is replaced, its batch re-run, and every row comes back exactly once, in order', async () => {
    writeFileSync(flag(mode), 'armed');
    const before = await restarts();
    const calls = [19, 7, 13].map((n, c) => Array.from({ length: n }, (_, i) => `call${c}-row${i}`));
    const ids = await Promise.all(calls.map(async (texts) => callId(await submit(s.url, `fault-${mode}`, textTable(texts)))));
    const results = await Promise.all(ids.map((id) => result(s.url, id)));

    expect(existsSync(flag(mode))).toBe(false); // the fault really fired
    expect(await restarts()).toBe(before + 1);
    results.forEach(({ table, res }, c) => {
      expect(table.numRows).toBe(calls[c].length);
      expect(column(table, 'result')).toEqual(calls[c].map((t) => `echo:${t}`));
      expect(column(table, 'status')).toEqual(calls[c].map(() => 'ok'));
      expect(res.headers.get('x-failed-rows')).toBe('0');
    });
    const log = readFileSync(`${flag(mode)}.log`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { rows: string[]; attempt: number });
    expect(log.every((e) => e.attempt === 1)).toBe(true);
    if (mode === 'hang') {
      // A batch past its deadline is not re-run whole: each of its rows ran once more, alone.
      const rows = log.flatMap((e) => e.rows);
      const twice = [...new Set(rows.filter((r, i) => rows.indexOf(r) !== i))];
      expect(twice.length).toBeGreaterThan(1);
      expect(log.some((e) => e.rows.join('|') === twice.join('|'))).toBe(true);
      for (const r of twice) expect(log.filter((e) => e.rows.includes(r)).map((e) => e.rows.length).at(-1)).toBe(1);
      return;
    }
    // The handler log shows the lost batch ran twice (on the old worker, then on its replacement),
    // still as attempt 1: a worker loss is a re-run, not a retry.
    const seen = log.map((e) => e.rows.join('|'));
    expect(seen.filter((b, i) => seen.indexOf(b) !== i)).toHaveLength(1);
  });
});

test('a batch that kills its worker every time fails after the re-run budget, alone', async () => {
  const always = `export default { handler: (text) => { if (text.includes('kill')) process.exit(9); return text.map((t) => t.length); } };`;
  const d = await fetch(`${s.url}/functions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth(TEST_ADMIN_KEY) },
    body: JSON.stringify({ definition: { name: 'killer', maxBatchingSize: 4, maxBufferDuration: 10, retries: 0, output: 'float64' }, bundle: always }),
  });
  expect(d.status).toBe(201);
  const { table } = await result(s.url, await callId(await submit(s.url, 'killer', textTable(['a', 'kill', 'ccc', 'dd']))));
  expect(column(table, 'result')).toEqual([1, null, 3, 2]);
  const status = column(table, 'status') as string[];
  expect(status[1]).toMatch(/WorkerLostError: Worker lost mid-batch: worker exited with code 9/);
  expect([status[0], status[2], status[3]]).toEqual(['ok', 'ok', 'ok']);
});

test('loading a handler in a fresh worker does not count against the batch deadline', async () => {
  // Top-level await: every worker that loads this bundle spends 800 ms before the handler exists.
  const slowLoad = `await new Promise((r) => setTimeout(r, 800));
export default { handler: async (text) => { await new Promise((r) => setTimeout(r, 200)); return text.map((t) => t.length); } };`;
  const d = await fetch(`${s.url}/functions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth(TEST_ADMIN_KEY) },
    body: JSON.stringify({ definition: { name: 'slow-load', maxBatchingSize: 1, maxBufferDuration: 0, retries: 0, output: 'float64', batchTimeoutMs: 500 }, bundle: slowLoad }),
  });
  expect(d.status).toBe(201); // loaded in one worker at deploy; the other loads on its first batch
  const before = await restarts();
  const { table } = await result(s.url, await callId(await submit(s.url, 'slow-load', textTable(['a', 'bb', 'ccc', 'dddd']))));
  expect(column(table, 'result')).toEqual([1, 2, 3, 4]);
  expect(await restarts()).toBe(before);
});
