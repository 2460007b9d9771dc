import { beforeEach, expect, test } from 'vitest';
import { countByStatus, useRun } from './run-store';

const plan = [
  { index: 0, offset: 0, rows: 10 },
  { index: 1, offset: 10, rows: 10 },
  { index: 2, offset: 20, rows: 5 },
];

beforeEach(() => useRun.getState().reset());

test('events fold into tiles, row counts and status', () => {
  const s = useRun.getState();
  s.begin();
  s.apply([
    { type: 'plan', chunks: plan, cachedChunks: [1] },
    { type: 'backend', label: 'Local', device: 'wasm', reason: 'test' },
    { type: 'chunk', at: 1, event: { status: 'running', chunk: 0, offset: 0, rows: 10, attempt: 1 } },
    { type: 'chunk', at: 2, event: { status: 'retrying', chunk: 2, offset: 20, rows: 5, attempt: 2, error: 'boom', delayMs: 10 } },
  ]);
  let r = useRun.getState();
  expect(r.status).toBe('running');
  expect(r.tiles.map((t) => t.status)).toEqual(['running', 'done', 'retrying']);
  expect(r.tiles[1].cached).toBe(true);
  expect([r.totalRows, r.doneRows, r.computedRows]).toEqual([25, 10, 0]);
  expect(r.tiles[2].error).toBe('boom');

  r.apply([
    { type: 'chunk', at: 3, event: { status: 'done', chunk: 0, offset: 0, rows: 10, attempt: 1, latencyMs: 40, failedRows: 0 } },
    // The engine reports resumed chunks as done (attempt 0): a cached tile stays as it is.
    { type: 'chunk', at: 3, event: { status: 'done', chunk: 1, offset: 10, rows: 10, attempt: 0, latencyMs: 0, failedRows: 0 } },
    { type: 'chunk', at: 4, event: { status: 'failed', chunk: 2, offset: 20, rows: 5, attempt: 2, latencyMs: 9, error: 'still boom' } },
  ]);
  r = useRun.getState();
  expect([r.doneRows, r.computedRows]).toEqual([20, 10]);
  expect(r.tiles[0].latencyMs).toBe(40);
  expect(countByStatus(r.tiles)).toMatchObject({ done: 2, failed: 1, running: 0 });

  const before = r.completed;
  r.finish({ rows: 25, failedRows: 5, nullRows: 0, dimension: 3, chunks: 3, elapsedMs: 10, cancelled: false, errors: [] });
  expect(useRun.getState().status).toBe('done');
  expect(useRun.getState().completed).toBe(before + 1);
});

test('a cancelled run keeps its finished tiles and does not count as completed', () => {
  const s = useRun.getState();
  const before = s.completed;
  s.begin();
  s.apply([
    { type: 'plan', chunks: plan, cachedChunks: [] },
    { type: 'chunk', at: 1, event: { status: 'done', chunk: 0, offset: 0, rows: 10, attempt: 1, latencyMs: 5, failedRows: 0 } },
    { type: 'chunk', at: 2, event: { status: 'cancelled', chunk: 1, offset: 10, rows: 10 } },
  ]);
  s.finish({ rows: 25, failedRows: 0, nullRows: 0, dimension: 0, chunks: 3, elapsedMs: 10, cancelled: true, errors: [] });
  const r = useRun.getState();
  expect(r.status).toBe('cancelled');
  expect(r.completed).toBe(before);
  expect(r.tiles.map((t) => t.status)).toEqual(['done', 'cancelled', 'queued']);
});
