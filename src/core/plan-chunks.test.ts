import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors';
import { planChunks, validateCallOptions } from './plan-chunks';
import type { ChunkingOptions } from './types';

/** The chunks tile [0, rows) exactly, in order, with no empty chunk. */
function expectTiling(rows: number, plan: ReturnType<typeof planChunks>) {
  let offset = 0;
  plan.forEach((c, i) => {
    expect(c.index).toBe(i);
    expect(c.offset).toBe(offset);
    expect(c.rows).toBeGreaterThan(0);
    offset += c.rows;
  });
  expect(offset).toBe(rows);
}

describe('planChunks properties', () => {
  it('chunkSize: tiles the rows with full chunks and one shorter tail', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 600 }), (rows, chunkSize) => {
        const plan = planChunks(rows, { chunkSize });
        expectTiling(rows, plan);
        expect(plan.length).toBe(Math.ceil(rows / chunkSize));
        plan.slice(0, -1).forEach((c) => expect(c.rows).toBe(chunkSize));
      }),
    );
  });

  it('numChunks: min(numChunks, rows) chunks whose sizes differ by at most one row', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 600 }), (rows, numChunks) => {
        const plan = planChunks(rows, { numChunks });
        expectTiling(rows, plan);
        expect(plan.length).toBe(Math.min(numChunks, rows));
        const sizes = plan.map((c) => c.rows);
        if (sizes.length > 0) expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('rejects every non-positive-integer chunkSize / numChunks, naming the parameter', () => {
    const bad = fc.oneof(
      fc.integer({ max: 0 }),
      fc.double().filter((d) => !Number.isInteger(d) || d <= 0),
      fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 60, '4', true),
    );
    fc.assert(
      fc.property(bad, fc.constantFrom('chunkSize', 'numChunks'), (value, parameter) => {
        const opts = { [parameter]: value } as unknown as ChunkingOptions;
        expect(() => planChunks(10, opts)).toThrow(InvalidOptionError);
        expect(() => planChunks(10, opts)).toThrow(`Invalid option \`${parameter}\``);
      }),
    );
  });
});

describe('planChunks examples', () => {
  it('numChunks > rows gives one-row chunks', () => {
    expect(planChunks(3, { numChunks: 10 })).toEqual([
      { index: 0, offset: 0, rows: 1 },
      { index: 1, offset: 1, rows: 1 },
      { index: 2, offset: 2, rows: 1 },
    ]);
  });

  it('numChunks spreads the remainder over the first chunks', () => {
    expect(planChunks(10, { numChunks: 4 }).map((c) => c.rows)).toEqual([3, 3, 2, 2]);
  });

  it('rows = 0 gives no chunks', () => {
    expect(planChunks(0, { chunkSize: 25 })).toEqual([]);
  });

  it('both chunkSize and numChunks: says they are mutually exclusive', () => {
    const opts = { chunkSize: 5, numChunks: 2 } as unknown as ChunkingOptions;
    expect(() => planChunks(10, opts)).toThrow(
      'Invalid option `chunkSize/numChunks`: got {"chunkSize":5,"numChunks":2}; allowed: exactly one of chunkSize or numChunks. ' +
        'They are mutually exclusive: drop one of them.',
    );
  });

  it('neither: shows how to pass one', () => {
    expect(() => planChunks(10, {} as ChunkingOptions)).toThrow(
      'Invalid option `chunkSize/numChunks`: got undefined; allowed: exactly one of chunkSize or numChunks. ' +
        'Pass e.g. { chunkSize: 25 } or { numChunks: 8 }.',
    );
  });

  it('zero, negative, fractional and NaN values name the value and the allowed ones', () => {
    expect(() => planChunks(10, { chunkSize: 0 })).toThrow('Invalid option `chunkSize`: got 0; allowed: a positive integer (1, 2, 3, ...).');
    expect(() => planChunks(10, { numChunks: -2 })).toThrow('Invalid option `numChunks`: got -2; allowed: a positive integer');
    expect(() => planChunks(10, { chunkSize: 2.5 })).toThrow('got 2.5;');
    expect(() => planChunks(10, { numChunks: Number.NaN })).toThrow('Invalid option `numChunks`: got NaN;');
    expect(() => planChunks(10, { chunkSize: '25' as unknown as number })).toThrow('Invalid option `chunkSize`: got "25";');
  });

  it('bad row counts are rejected', () => {
    expect(() => planChunks(-1, { chunkSize: 1 })).toThrow('Invalid option `rows`: got -1; allowed: a non-negative integer');
  });
});

describe('validateCallOptions', () => {
  it('applies defaults', () => {
    expect(validateCallOptions({})).toEqual({ concurrentChunks: 1, timeout: undefined, retries: 0, backoffMs: 250, onError: 'row-status' });
  });

  it('keeps valid values', () => {
    expect(validateCallOptions({ concurrentChunks: 4, timeout: 0.5, retries: 3, backoffMs: 0, onError: 'raise' })).toEqual({
      concurrentChunks: 4, timeout: 0.5, retries: 3, backoffMs: 0, onError: 'raise',
    });
  });

  it.each([
    [{ concurrentChunks: 0 }, 'Invalid option `concurrentChunks`: got 0; allowed: a positive integer (1, 2, 3, ...).'],
    [{ concurrentChunks: 1.5 }, 'Invalid option `concurrentChunks`: got 1.5;'],
    [{ timeout: 0 }, 'Invalid option `timeout`: got 0; allowed: a positive number of seconds up to 2147483 (e.g. 120 or 0.5), or undefined to wait forever.'],
    [{ timeout: 2147484 }, 'Invalid option `timeout`: got 2147484;'],
    [{ timeout: -3 }, 'Invalid option `timeout`: got -3;'],
    [{ timeout: Number.NaN }, 'Invalid option `timeout`: got NaN;'],
    [{ timeout: Infinity }, 'Invalid option `timeout`: got Infinity;'],
    [{ retries: -1 }, 'Invalid option `retries`: got -1; allowed: a non-negative integer (0 = no retries).'],
    [{ retries: 0.5 }, 'Invalid option `retries`: got 0.5;'],
    [{ backoffMs: -5 }, 'Invalid option `backoffMs`: got -5; allowed: a non-negative number of milliseconds.'],
    [{ onError: 'ignore' }, "Invalid option `onError`: got \"ignore\"; allowed: 'row-status' or 'raise'."],
    [{ onProgress: 'log' }, 'Invalid option `onProgress`: got "log"; allowed: a function (event) => void.'],
    [{ onChunkOutput: 1 }, 'Invalid option `onChunkOutput`: got 1; allowed: a function (chunk, output) => void.'],
    [{ signal: { aborted: false } }, 'Invalid option `signal`: got {"aborted":false}; allowed: an AbortSignal'],
  ])('%j → %s', (opts, message) => {
    expect(() => validateCallOptions(opts as never)).toThrow(InvalidOptionError);
    expect(() => validateCallOptions(opts as never)).toThrow(message);
  });
});
