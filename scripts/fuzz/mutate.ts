// Structured mutations of valid inputs, the way an attacker (or a damaged disk) changes them:
// bit flips, byte sets, truncation, insertion, removal, duplicated ranges, and int32/int64
// overwrites with boundary values — aimed at the byte positions that hold lengths and counts
// ("hotspots") half of the time. Deterministic per (seed, case): a failing case is reproduced
// from its numbers alone.

/** A small seeded PRNG (mulberry32): the same (seed, case) always gives the same mutation. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The generator for case `i` of a run with `seed`. */
export function caseRng(seed: number, i: number): Rng {
  return new Rng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35));
}

/** A byte position holding a little-endian length or count of `width` bytes. */
export interface Hotspot {
  at: number;
  width: 4 | 8;
}

const INT32S = [0, 1, -1, 2, 7, 8, 255, 256, 0xffff, 0x10000, 0x7fffffff, -0x80000000, 0x3fffffff, 2 ** 29, 1000, 100_001];
const INT64S = [0n, 1n, -1n, 2n, 2n ** 29n, 2n ** 31n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 63n - 1n, -(2n ** 63n), 67_000_000n, 200_000_000n, 100_001n];
const BYTES = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x22, 0x2c, 0x0a, 0x0d];

/** A value for an overwrite: a boundary, one derived from the input's size, or random. */
function int32(rng: Rng, size: number): number {
  const r = rng.int(4);
  if (r === 0) return rng.pick([size, size + 1, size - 1, size * 8, size >> 1]) | 0;
  if (r === 1) return (rng.int(0x100000000) | 0) >> rng.int(32);
  return rng.pick(INT32S);
}

function int64(rng: Rng, size: number): bigint {
  const r = rng.int(4);
  if (r === 0) return BigInt(rng.pick([size, size + 1, size * 8, size * 1000]));
  if (r === 1) return BigInt(rng.int(0x100000000)) << BigInt(rng.int(33));
  return rng.pick(INT64S);
}

type Op = (b: Uint8Array, rng: Rng, hot: readonly Hotspot[], extra: readonly Uint8Array[]) => Uint8Array;

/** Overwrites one little-endian int of `width` bytes: at a hotspot 60 % of the time. */
function overwrite(width: 4 | 8): Op {
  return (b, rng, hot) => {
    const out = b.slice();
    const h = hot.filter((x) => x.width === width);
    const at = h.length && rng.chance(0.6) ? rng.pick(h).at : rng.int(Math.max(1, Math.floor(out.length / width))) * width;
    if (at + width > out.length) return out;
    const view = new DataView(out.buffer);
    if (width === 4) view.setInt32(at, int32(rng, b.length), true);
    else view.setBigInt64(at, int64(rng, b.length), true);
    return out;
  };
}

const ops: Array<[weight: number, op: Op]> = [
  // bit flips
  [3, (b, rng) => {
    const out = b.slice();
    for (let k = 1 + rng.int(4); k > 0 && out.length; k--) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  }],
  // byte sets
  [2, (b, rng) => {
    const out = b.slice();
    for (let k = 1 + rng.int(4); k > 0 && out.length; k--) out[rng.int(out.length)] = rng.chance(0.5) ? rng.pick(BYTES) : rng.int(256);
    return out;
  }],
  // truncation
  [2, (b, rng) => b.slice(0, rng.int(b.length + 1))],
  // insertion of random bytes, of a token (extra), or of a copy of a range
  [2, (b, rng, _hot, extra) => {
    const at = rng.int(b.length + 1);
    let ins: Uint8Array;
    const r = rng.int(3);
    if (r === 0 && extra.length) ins = rng.pick(extra);
    else if (r === 1 && b.length) {
      const from = rng.int(b.length);
      ins = b.slice(from, from + 1 + rng.int(64));
    } else ins = Uint8Array.from({ length: 1 + rng.int(32) }, () => rng.int(256));
    const out = new Uint8Array(b.length + ins.length);
    out.set(b.subarray(0, at));
    out.set(ins, at);
    out.set(b.subarray(at), at + ins.length);
    return out;
  }],
  // removal of a range
  [1, (b, rng) => {
    if (!b.length) return b.slice();
    const at = rng.int(b.length);
    const n = 1 + rng.int(Math.min(64, b.length - at));
    const out = new Uint8Array(b.length - n);
    out.set(b.subarray(0, at));
    out.set(b.subarray(at + n), at);
    return out;
  }],
  // int32 / int64 overwrites: a length/count hotspot, else any aligned position
  [3, overwrite(4)],
  [3, overwrite(8)],
];
const totalWeight = ops.reduce((s, [w]) => s + w, 0);

/** One to three mutations of `input` (never changed in place). `extra`: tokens worth inserting. */
export function mutate(input: Uint8Array, rng: Rng, hot: readonly Hotspot[] = [], extra: readonly Uint8Array[] = []): Uint8Array {
  let out = input;
  for (let k = 1 + (rng.chance(0.3) ? rng.int(3) : 0); k > 0; k--) {
    let r = rng.int(totalWeight);
    let i = 0;
    while (r >= ops[i][0]) r -= ops[i++][0];
    out = ops[i][1](out, rng, hot, extra);
  }
  return out;
}
