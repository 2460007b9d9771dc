import { Int32, tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { chunkedCall } from './chunked-call';
import { CancelledError, TimeoutError } from './errors';
import { MAX_ROW_MESSAGE_LENGTH, rowErrorFrom, toRowError } from './row-error';
import type { BatchFunction } from './types';

describe('toRowError', () => {
  it('keeps a { code, message }, gives a plain text the code ROW_ERROR, and leaves ok rows null', () => {
    expect(toRowError({ code: 'TOO_LONG', message: 'over 512 tokens' })).toEqual({ code: 'TOO_LONG', message: 'over 512 tokens' });
    expect(toRowError('too long')).toEqual({ code: 'ROW_ERROR', message: 'too long' });
    expect([null, undefined, ''].map(toRowError)).toEqual([null, null, null]);
  });

  it('repairs what a loose handler returns instead of trusting it', () => {
    expect(toRowError({ code: 7, message: 'x' })).toEqual({ code: 'ROW_ERROR', message: 'x' });
    expect(toRowError({ code: 'C'.repeat(65), message: 'x' })?.code).toBe('ROW_ERROR');
    expect(toRowError({ code: 'EMPTY', message: '' })).toEqual({ code: 'EMPTY', message: expect.stringMatching(/empty error message/) });
    expect(toRowError(42)).toEqual({ code: 'ROW_ERROR', message: '42' });
  });

  it('cuts a runaway message (outside input, stored once per failed row) and says how much was cut', () => {
    const huge = 'x'.repeat(MAX_ROW_MESSAGE_LENGTH + 10_000);
    for (const e of [huge, { code: 'BIG', message: huge }]) {
      const r = toRowError(e)!;
      expect(r.message.length).toBeLessThan(MAX_ROW_MESSAGE_LENGTH + 100);
      expect(r.message.startsWith('x'.repeat(MAX_ROW_MESSAGE_LENGTH))).toBe(true);
      expect(r.message).toMatch(/10000 more characters cut\)$/);
    }
    expect(toRowError('x'.repeat(MAX_ROW_MESSAGE_LENGTH))?.message).toHaveLength(MAX_ROW_MESSAGE_LENGTH);
  });
});

describe('rowErrorFrom', () => {
  it("takes the thrown error's class code, and describes it in one line", () => {
    expect(rowErrorFrom(new TimeoutError('chunk 1', 2))).toEqual({ code: 'TIMEOUT', message: expect.stringMatching(/^TimeoutError: chunk 1 timed out/) });
    expect(rowErrorFrom(new CancelledError())).toMatchObject({ code: 'CANCELLED' });
    expect(rowErrorFrom(new RangeError('bad'))).toEqual({ code: 'RANGE', message: 'RangeError: bad' });
    expect(rowErrorFrom(Object.assign(new Error('gone'), { code: 'ECONNRESET' }))).toEqual({ code: 'ECONNRESET', message: 'gone' });
    expect(rowErrorFrom('plain')).toEqual({ code: 'ERROR', message: 'plain' });
  });
});

describe('row status end to end through chunkedCall', () => {
  it('a handler `{ code, message }` and a plain text land as status + error_code; a bisected row carries the thrown class', async () => {
    const fn: BatchFunction<number> = async (args) => {
      const xs = Array.from(args.getChild('x')!.toArray() as Int32Array);
      if (xs.includes(3)) throw new RangeError('three is out of range');
      return {
        values: xs,
        errors: xs.map((x) => (x === 1 ? { code: 'TOO_LONG', message: 'row too long' } : x === 2 ? 'plain failure' : null)),
      };
    };
    const res = await chunkedCall(tableFromArrays({ x: Int32Array.from([0, 1, 2, 3]) }), fn, { chunkSize: 4, outputType: new Int32() });
    expect(res.failedRows).toBe(3);
    expect(res.table.getChild('status')!.toArray()).toEqual(['ok', 'row too long', 'plain failure', 'RangeError: three is out of range']);
    expect(res.table.getChild('error_code')!.toArray()).toEqual([null, 'TOO_LONG', 'ROW_ERROR', 'RANGE']);
    expect(Array.from(res.table.getChild('result')!, (v) => v)).toEqual([0, null, null, null]);
  });
});
