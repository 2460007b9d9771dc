// The ChunkStore contract, run on the in-memory store and on the IndexedDB one (idb over
// fake-indexeddb, a complete in-memory IndexedDB implementation).
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, test } from 'vitest';
import { jobKey, memoryChunkStore, type ChunkStore, type SavedSession } from './chunk-store';
import { localBackendKey } from './local-backend';
import { chunkRecord, sampleRowsIn, SAMPLE_SIZES } from './chunk-records';
import { idbChunkStore } from './idb-chunk-store';

function chunk(index: number, rows = 4, dim = 3, failAt = -1) {
  const plan = { index, offset: index * rows, rows };
  return chunkRecord(plan, (i) => (i === failAt ? { vector: null, status: { code: 'BAD_ROW', message: 'bad row' } } : { vector: [index, i, 1].slice(0, dim), status: null }), 100 * rows);
}

const session: SavedSession = {
  jobKey: 'a',
  fingerprint: 'f',
  fileName: 'x.csv',
  rows: 8,
  totalChunks: 2,
  settings: { textColumn: 'text', chunking: { mode: 'chunkSize', chunkSize: 4 }, concurrentChunks: 1, timeout: null, retries: 0 },
  backend: null,
  savedAt: 1,
};

const stores: Array<[string, () => ChunkStore]> = [
  ['memory', () => memoryChunkStore()],
  [
    'IndexedDB (idb)',
    () => {
      // A fresh IndexedDB per test.
      globalThis.indexedDB = new IDBFactory();
      return idbChunkStore(`test-${Math.random()}`);
    },
  ],
];

describe.each(stores)('ChunkStore: %s', (_, make) => {
  test('a chunk written is read back: vectors, statuses and sample; indices in order', async () => {
    const store = make();
    await store.put('a', chunk(1, 4, 3, 2));
    await store.put('a', chunk(0));
    await store.put('b', chunk(0));
    expect(await store.indices('a')).toEqual([0, 1]);
    const v = await store.vectors('a', 1);
    expect(Array.from(v!)).toEqual([1, 0, 1, 1, 1, 1, 0, 0, 0, 1, 3, 1]);
    const [m0, m1] = await store.metas('a');
    expect(m0.index).toBe(0);
    expect(m1).toMatchObject({ index: 1, offset: 4, rows: 4, dim: 3, errors: ['bad row'] });
    expect(Array.from(m1.errorRows)).toEqual([2]);
    expect(await store.vectors('a', 7)).toBeUndefined();
  });

  test('clearJob drops one job; clearOthers keeps only the ones named', async () => {
    const store = make();
    for (const k of ['a', 'b', 'c', 'd']) await store.put(k, chunk(0));
    await store.clearJob('a');
    expect(await store.indices('a')).toEqual([]);
    await store.clearOthers(new Set(['c', 'd']));
    expect(await store.indices('b')).toEqual([]);
    expect(await store.indices('c')).toEqual([0]);
    expect(await store.indices('d')).toEqual([0]);
    await store.clearOthers(new Set(['c']));
    expect(await store.indices('d')).toEqual([]);
    await store.clearOthers();
    expect(await store.indices('c')).toEqual([]);
  });

  test('the session is one record: put, read, cleared', async () => {
    const store = make();
    expect(await store.getSession()).toBeUndefined();
    await store.putSession(session);
    await store.putSession({ ...session, jobKey: 'b' });
    expect(await store.getSession()).toEqual({ ...session, jobKey: 'b' });
    await store.clearSession();
    expect(await store.getSession()).toBeUndefined();
  });
});

test('IndexedDB: a database written by the hand-written v1 wrapper is upgraded, not misread', async () => {
  globalThis.indexedDB = new IDBFactory();
  await new Promise<void>((resolve, reject) => {
    const req = indexedDB.open('old', 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore('chunks', { keyPath: ['jobKey', 'index'] });
      req.result.createObjectStore('session');
    };
    req.onsuccess = () => (req.result.close(), resolve());
    req.onerror = () => reject(req.error);
  });
  const store = idbChunkStore('old');
  expect(await store.getSession()).toBeUndefined();
  await store.put('a', chunk(0));
  expect(await store.indices('a')).toEqual([0]);
});

test('the stored sample holds every explorer sample size\'s evenly spaced rows, whatever the chunking', () => {
  const total = 95_000;
  const all = (chunkRows: number) => Array.from({ length: Math.ceil(total / chunkRows) }, (_, c) => sampleRowsIn(c * chunkRows, Math.min(chunkRows, total - c * chunkRows), total)).flat();
  const a = all(1_000);
  expect(all(777)).toEqual(a);
  const kept = new Set(a);
  for (const n of SAMPLE_SIZES) for (let i = 0; i < n; i++) expect(kept.has(Math.floor((i * total) / n))).toBe(true);
  expect(a.length).toBeLessThanOrEqual(19_000);
  expect(sampleRowsIn(10, 5, 50)).toEqual([10, 11, 12, 13, 14]); // small inputs: every row
});

test('the built-in model\'s precision is part of the job key and the runtime key: int8 chunks never resume an fp32 run', () => {
  const settings = { textColumn: 'text', chunking: { mode: 'chunkSize', chunkSize: 64 }, concurrentChunks: 2, timeout: null, retries: 0 } as const;
  const fp32 = { kind: 'local', device: 'wasm', model: { kind: 'default' } } as const;
  const int8 = { kind: 'local', device: 'wasm', model: { kind: 'default', dtype: 'q8' } } as const;
  // fp32 keeps the key it always had, so runs saved before the choice existed still resume.
  expect(jobKey({ fingerprint: 'f' }, fp32, settings)).toBe('f|text|cs64|local:default');
  expect(jobKey({ fingerprint: 'f' }, int8, settings)).toBe('f|text|cs64|local:default|q8');
  expect(localBackendKey(int8)).not.toBe(localBackendKey(fp32));
});
