import { describe, expect, test } from 'vitest';
import { CorruptValueError, UnsupportedValueError, decodeRowError, decodeValue, encodeRowError, encodeValue } from './value-codec';

describe('value codec', () => {
  test('every supported value comes back equal and with the same type', () => {
    const emb = Float32Array.from({ length: 384 }, (_, i) => Math.sin(i) / 7);
    const values: unknown[] = [
      null, undefined, true, false, 0, -1.5, Number.MAX_SAFE_INTEGER, NaN, Infinity, '', 'héllo ✓ 日本',
      [], [1, 2.5, -3], ['a', null, [1, 'b']], emb, new Float64Array([1e-300, 2]), new Int32Array([-1, 7]), new Uint8Array([0, 255]),
      { w: 2, nested: { list: [1, 2], s: 'x' }, ['__proto__']: 'plain key' },
      [emb, 'text', 3],
    ];
    for (const v of values) {
      const back = decodeValue(encodeValue(v));
      expect(back).toEqual(v);
      if (v !== null && typeof v === 'object') expect(Object.getPrototypeOf(back)?.constructor).toBe(Object.getPrototypeOf(v)?.constructor);
    }
    const obj = decodeValue(encodeValue(JSON.parse('{"__proto__": 1}'))) as Record<string, unknown>;
    expect(Object.keys(obj)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
  });

  test('an embedding is stored as its raw bytes, not float text', () => {
    const emb = Float32Array.from({ length: 512 }, (_, i) => i / 3);
    expect(encodeValue(emb).length).toBe(1 + 4 + 512 * 4);
    const back = decodeValue(encodeValue(emb)) as Float32Array;
    expect(back).toBeInstanceOf(Float32Array);
    expect(Array.from(back)).toEqual(Array.from(emb)); // bit-exact
    // A view at an odd offset into a larger buffer still encodes only its own bytes.
    const view = new Float32Array(emb.buffer, 4 * 10, 3);
    expect(Array.from(decodeValue(encodeValue(view)) as Float32Array)).toEqual(Array.from(emb.subarray(10, 13)));
  });

  test('values it cannot store and bytes it did not write are clear errors', () => {
    expect(() => encodeValue({ when: new Date(0) })).toThrow(UnsupportedValueError);
    expect(() => encodeValue([() => 1])).toThrow(/a function at \[0\]/);
    expect(() => encodeValue(new Map())).toThrow(/a Map object/);
    expect(() => decodeValue(Buffer.from([99]))).toThrow(CorruptValueError);
    expect(() => decodeValue(encodeValue('abc').subarray(0, 3))).toThrow(/truncated/);
    expect(() => decodeValue(Buffer.concat([encodeValue(1), Buffer.from([0])]))).toThrow(/trailing/);
  });
});

describe('row error codec', () => {
  test('{ code, message } round-trips, never reads as the ok status, and a text it did not write stays a ROW_ERROR message', () => {
    for (const e of [{ code: 'NULL_TEXT', message: 'row 1: expected a string, got null' }, { code: 'ROW_ERROR', message: 'ok' }, { code: 'X', message: '{"code":1} ✓ 日本\n' }]) {
      const text = encodeRowError(e);
      expect(text).not.toBe('ok');
      expect(decodeRowError(text)).toEqual(e);
    }
    expect(decodeRowError('cancelled')).toEqual({ code: 'ROW_ERROR', message: 'cancelled' });
    expect(decodeRowError('{not json')).toEqual({ code: 'ROW_ERROR', message: '{not json' });
    expect(decodeRowError('{"message":"no code"}')).toEqual({ code: 'ROW_ERROR', message: '{"message":"no code"}' });
  });
});
