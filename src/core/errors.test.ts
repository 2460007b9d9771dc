import { describe, expect, it } from 'vitest';
import {
  BatchOutputError, CancelledError, ChunkFailedError, InvalidOptionError, TimeoutError,
  describeError, deserializeError, formatValue, serializeError, EmbedbookError, errorCode, registerErrorClasses,
} from './errors';

/** Crosses a worker/HTTP boundary the strict way: through JSON. */
function roundTrip(e: unknown): Error {
  return deserializeError(JSON.parse(JSON.stringify(serializeError(e))));
}

describe('error messages', () => {
  it('InvalidOptionError names the parameter, the bad value, the allowed values and the hint', () => {
    const e = new InvalidOptionError('chunkSize', -1, 'a positive integer', 'Try 25.');
    expect(e.name).toBe('InvalidOptionError');
    expect(e.message).toBe('Invalid option `chunkSize`: got -1; allowed: a positive integer. Try 25.');
    expect(e).toBeInstanceOf(Error);
  });

  it('TimeoutError says what timed out, after how long, and how to fix it', () => {
    const e = new TimeoutError('chunk 3 (rows 75-99)', 120);
    expect(e.name).toBe('TimeoutError');
    expect(e.message).toBe(
      'chunk 3 (rows 75-99) timed out after 120 s (timeout: 120). ' +
        'Raise `timeout`, lower `chunkSize`, or leave `timeout` undefined to wait forever.',
    );
  });

  it('CancelledError counts finished chunks and says how to resume', () => {
    const e = new CancelledError('call', new Map([[0, { values: [1] }]]), 4);
    expect(e.name).toBe('CancelledError');
    expect(e.message).toBe(
      'call cancelled with 1 of 4 chunks finished; pass `completed: err.completedChunks` with the same input and chunking to resume.',
    );
    expect(new CancelledError().message).toBe('call cancelled.');
  });

  it('ChunkFailedError names the chunk, its rows, the failed rows and the cause', () => {
    const cause = new Error('boom');
    const e = new ChunkFailedError(2, 50, 25, 'boom', [51, 60], new Map(), cause);
    expect(e.name).toBe('ChunkFailedError');
    expect(e.message).toBe(
      "chunk 2 (rows 51, 60 of rows 50-74) failed: boom. Use onError: 'row-status' to keep the good rows, or raise `retries`/`timeout`.",
    );
    expect(e.cause).toBe(cause);
    const many = new ChunkFailedError(0, 0, 20, 'x', Array.from({ length: 12 }, (_, i) => i));
    expect(many.message).toContain('rows 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … (12 in all) of rows 0-19');
  });

  it('BatchOutputError says what the function returned and what it must return', () => {
    expect(new BatchOutputError('values', 3, 5).message).toBe(
      'batch function returned 3 values for 5 rows; it must return exactly one entry per input row, in input order.',
    );
    expect(new BatchOutputError('errors', null, 5).message).toBe(
      'batch function returned no `errors` array for 5 rows; it must return exactly one entry per input row, in input order.',
    );
  });
});

describe('formatValue / describeError', () => {
  it('renders bad values readably', () => {
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(-0)).toBe('-0');
    expect(formatValue('x')).toBe('"x"');
    expect(formatValue(undefined)).toBe('undefined');
    expect(formatValue(null)).toBe('null');
    expect(formatValue([1, 2])).toBe('array(2)');
    expect(formatValue(new Float32Array(2))).toBe('Float32Array');
    expect(formatValue({ a: 'x'.repeat(100) })).toMatch(/^\{"a":"x+\.\.\.$/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(formatValue(cyclic)).toBe('[object]');
  });

  it('describes errors in one line', () => {
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError(new TypeError('typed'))).toBe('TypeError: typed');
    expect(describeError('text')).toBe('text');
    expect(describeError(42)).toBe('42');
  });
});

describe('serializeError / deserializeError', () => {
  it.each([
    new InvalidOptionError('timeout', -1, 'a positive number', 'hint'),
    new InvalidOptionError('timeout', -1, 'a positive number'),
    new TimeoutError('batch b-1', 60, 'keeps running'),
    new CancelledError('call', new Map([[2, { values: [] }], [0, { values: [] }]]), 5),
    new ChunkFailedError(1, 10, 10, 'bad row', [12]),
    new BatchOutputError('values', 1, 2),
    new BatchOutputError('errors', null, 2),
  ])('round-trips %s with its class, name, message and fields', (e) => {
    const back = roundTrip(e);
    expect(back).toBeInstanceOf(e.constructor);
    expect(back.name).toBe(e.name);
    expect(back.message).toBe(e.message);
    expect(serializeError(back)).toMatchObject({ ...e.details(), name: e.name, message: e.message });
  });

  it('lists completed chunk indices (not their data) for CancelledError', () => {
    const s = serializeError(new CancelledError('call', new Map([[2, { values: [] }], [0, { values: [] }]]), 5));
    expect(s.completedChunkIndices).toEqual([0, 2]);
  });

  it('keeps name and message of foreign errors and non-errors', () => {
    const back = roundTrip(new RangeError('out of range'));
    expect(back.name).toBe('RangeError');
    expect(back.message).toBe('out of range');
    expect(serializeError('just text')).toEqual({ name: 'Error', code: 'ERROR', message: 'just text' });
    const unnamed = new Error('x');
    unnamed.name = '';
    expect(serializeError(unnamed).name).toBe('Error');
  });
});

describe('one root, stable codes, registered classes', () => {
  class ExampleTooBigError extends EmbedbookError {
    override readonly name = 'ExampleTooBigError';
    constructor(
      readonly size: number,
      readonly limits: readonly number[],
    ) {
      super(`size ${size} is over the limits ${limits.join(', ')}; send less.`);
    }
  }
  registerErrorClasses({ ExampleTooBigError });

  it('the code is the name in UPPER_SNAKE without "Error"', () => {
    expect(errorCode('QueueFullError')).toBe('QUEUE_FULL');
    expect(errorCode('InvalidUtf8Error')).toBe('INVALID_UTF8');
    expect(errorCode('CliUsageError')).toBe('CLI_USAGE');
    expect(errorCode('HTTPTimeoutError')).toBe('HTTP_TIMEOUT');
    expect(errorCode('Error')).toBe('ERROR');
    expect(new TimeoutError('x', 1).code).toBe('TIMEOUT');
  });

  it('a registered class comes back as itself, with its code and plain fields, through JSON', () => {
    const back = roundTrip(new ExampleTooBigError(7, [1, 2]));
    expect(back).toBeInstanceOf(ExampleTooBigError);
    expect(back).toBeInstanceOf(EmbedbookError);
    const e = back as ExampleTooBigError;
    expect([e.name, e.code, e.message, e.size, e.limits]).toEqual(['ExampleTooBigError', 'EXAMPLE_TOO_BIG', 'size 7 is over the limits 1, 2; send less.', 7, [1, 2]]);
    expect(serializeError(new ExampleTooBigError(7, [1, 2]))).toMatchObject({ name: 'ExampleTooBigError', code: 'EXAMPLE_TOO_BIG', size: 7, limits: [1, 2] });
  });

  it('serializeError passes already serialized data through (idempotent), adding the code', () => {
    const once = serializeError(new TimeoutError('chunk 1', 5));
    expect(serializeError(once)).toEqual(once);
    expect(serializeError({ name: 'NoDatasetError', message: 'No dataset is loaded' })).toEqual({ name: 'NoDatasetError', code: 'NO_DATASET', message: 'No dataset is loaded' });
  });

  it('an unknown name comes back as a plain Error that keeps name, code and message', () => {
    const back = deserializeError({ name: 'SomeoneElsesError', code: 'SOMEONE_ELSES', message: 'm' });
    expect(back).not.toBeInstanceOf(EmbedbookError);
    expect([back.name, (back as Error & { code?: string }).code, back.message]).toEqual(['SomeoneElsesError', 'SOMEONE_ELSES', 'm']);
  });

});

