// Seeded PRNG (mulberry32): the same seed gives the same stream on every platform, so generated
// fixtures and model weights are byte-identical run to run.
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform in [-scale, scale): plain arithmetic only (no Math.log/sin), so bit-exact everywhere. */
export function uniformSampler(rand: () => number, scale: number): () => number {
  return () => (rand() * 2 - 1) * scale;
}
