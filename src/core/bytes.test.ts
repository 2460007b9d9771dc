import { describe, expect, it } from 'vitest';
import { concatBytes } from './bytes';

describe('concatBytes', () => {
  it('joins parts in order, views included', () => {
    const backing = new Uint8Array([9, 9, 3, 4, 9]);
    const out = concatBytes([new Uint8Array([1, 2]), backing.subarray(2, 4), new Uint8Array(0), new Uint8Array([5])]);
    expect([...out]).toEqual([1, 2, 3, 4, 5]);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(5);
  });
  it('returns a single part as is and no parts as an empty array', () => {
    const one = new Uint8Array([7]);
    expect(concatBytes([one])).toBe(one);
    expect(concatBytes([]).byteLength).toBe(0);
  });
});
