import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StrictUtf8Decoder, firstInvalidUtf8 } from './utf8-decoder';

/** Reference: the first offset where a fatal TextDecoder over a prefix starts failing. */
function referenceFirstInvalid(bytes: Uint8Array): number {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return -1;
  } catch {
    // Smallest prefix that fails → the bad sequence starts at or before its end.
    let lo = 0;
    let hi = bytes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid + 1), { stream: true });
        lo = mid + 1;
      } catch {
        hi = mid;
      }
    }
    return lo;
  }
}

describe('utf8 decoding', () => {
  it('firstInvalidUtf8 flags exactly the inputs TextDecoder rejects, at or before the failing byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        const ours = firstInvalidUtf8(bytes);
        const ref = referenceFirstInvalid(bytes);
        expect(ours === -1).toBe(ref === -1);
        if (ours >= 0) {
          expect(ours).toBeLessThanOrEqual(ref);
          expect(ref - ours).toBeLessThanOrEqual(3); // same sequence
        }
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  it('decodes valid text split anywhere, and strips a BOM', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        const bytes = new TextEncoder().encode('\uFEFF' + text);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const d = new StrictUtf8Decoder('f.csv');
        let out = '';
        let prev = 0;
        for (const p of [...points, bytes.length]) {
          out += d.decode(bytes.subarray(prev, p));
          prev = p;
        }
        out += d.end();
        expect(out).toBe(text);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
