import { describe, expect, test } from 'vitest';
import type { ChunkingFields } from '../../stores/chunking-store';
import { sizeGroups, validateChunking } from './validate-chunking';

const base: ChunkingFields = { mode: 'chunkSize', chunkSize: '64', numChunks: '8', concurrentChunks: '2', timeout: '120', retries: '2' };

describe('validateChunking', () => {
  test('valid chunk_size gives a plan and engine options', () => {
    const v = validateChunking(base, 200);
    expect(v.errors).toEqual({});
    expect(v.chunking).toEqual({ mode: 'chunkSize', chunkSize: 64 });
    expect(v.plan?.map((c) => c.rows)).toEqual([64, 64, 64, 8]);
    expect([v.concurrentChunks, v.timeout, v.retries]).toEqual([2, 120, 2]);
  });

  test('num_chunks mode ignores the chunk_size field entirely', () => {
    const v = validateChunking({ ...base, mode: 'numChunks', chunkSize: 'garbage', numChunks: '3' }, 10);
    expect(v.errors).toEqual({});
    expect(v.plan?.map((c) => c.rows)).toEqual([4, 3, 3]);
  });

  test('bad values are reported per field in the cell\'s own names, one rule for every field', () => {
    const v = validateChunking({ ...base, chunkSize: '0', concurrentChunks: '1.5', timeout: '-1', retries: 'x' }, 100);
    expect(v.chunking).toBeNull();
    expect(v.errors).toEqual({
      chunkSize: 'chunk_size must be a whole number ≥ 1; got "0".',
      concurrentChunks: 'concurrent_chunks must be a whole number ≥ 1; got "1.5".',
      timeout: 'timeout must be a number of seconds > 0, or empty for none; got "-1".',
      retries: 'retries must be a whole number ≥ 0; got "x".',
    });
  });

  test('concurrent_chunks "0" or "" is an error, never a silent 1; engine names never show', () => {
    expect(validateChunking({ ...base, concurrentChunks: '0' }, 10).errors.concurrentChunks).toBe('concurrent_chunks must be a whole number ≥ 1; got "0".');
    expect(validateChunking({ ...base, concurrentChunks: '' }, 10).errors.concurrentChunks).toBe('concurrent_chunks is required: enter a whole number ≥ 1.');
    expect(validateChunking({ ...base, chunkSize: '' }, 10).errors.chunkSize).toBe('chunk_size is required: enter a whole number ≥ 1.');
    for (const bad of ['abc', '1e3', 'Infinity', '0x10', ' ']) {
      const errs = Object.values(validateChunking({ ...base, chunkSize: bad, concurrentChunks: bad, retries: bad }, 10).errors).join(' ');
      expect(errs).not.toMatch(/chunkSize|concurrentChunks|NaN|Invalid option/);
    }
  });

  test('an empty timeout means wait forever', () => {
    expect(validateChunking({ ...base, timeout: '' }, 10).timeout).toBeNull();
  });
});

test('sizeGroups summarises chunk sizes, largest first', () => {
  expect(sizeGroups([{ index: 0, offset: 0, rows: 3 }, { index: 1, offset: 3, rows: 3 }, { index: 2, offset: 6, rows: 1 }])).toEqual([
    { rows: 3, count: 2 },
    { rows: 1, count: 1 },
  ]);
});
