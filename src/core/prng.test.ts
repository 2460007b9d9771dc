import { describe, expect, test } from 'vitest';
import { mulberry32, uniformSampler } from './prng';

describe('mulberry32', () => {
  test('is a fixed stream per seed (generated fixtures and weights depend on these exact values)', () => {
    const r = mulberry32(42);
    // Golden values: changing the generator would silently change every seeded fixture.
    expect([r(), r(), r()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    const again = mulberry32(42);
    expect(again()).toBe(0.6011037519201636);
    expect(mulberry32(43)()).not.toBe(0.6011037519201636);
  });

  test('stays in [0, 1) and treats the seed as uint32', () => {
    const r = mulberry32(-1);
    const same = mulberry32(0xffffffff);
    for (let i = 0; i < 1000; i++) {
      const x = r();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      expect(same()).toBe(x);
    }
  });
});

test('uniformSampler maps [0, 1) onto [-scale, scale)', () => {
  const values = [0, 0.5, 0.75];
  let i = 0;
  const s = uniformSampler(() => values[i++], 2);
  expect([s(), s(), s()]).toEqual([-2, 0, 1]);
});
