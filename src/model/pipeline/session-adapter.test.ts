// The runtime-neutral adapter with a recording runtime (the web path's warm-up and tensor freeing
// are otherwise exercised only in the browser e2e; node-session.test.ts runs the real Node path).
import { expect, test } from 'vitest';
import { SessionDisposedError } from './errors';
import { SessionAdapter, type SessionRuntime } from './session-adapter';
import type { ModelSignature } from './signature';

const sig: ModelSignature = { inputIds: 'ids', attentionMask: 'mask', idType: 'int32', outputKind: 'pooled', output: 'emb', dimension: 2 };

function recording() {
  const calls: { feeds: Record<string, { data: Int32Array | BigInt64Array; dims: number[] }>; output: string }[] = [];
  let freed = 0;
  let released = 0;
  const runtime: SessionRuntime<{ data: Int32Array | BigInt64Array; dims: number[] }> = {
    makeTensor: (_type, data, dims) => ({ data, dims }),
    async runRaw(feeds, output) {
      calls.push({ feeds, output });
      const rows = feeds.ids.dims[0];
      return { dims: [rows, 2], read: async () => new Float32Array(rows * 2).fill(3), dispose: () => void freed++ };
    },
    release: async () => void released++,
  };
  return { runtime, calls, freed: () => freed, released: () => released };
}

test("'always' warms up with the given token even when the width is known; run pools, normalises and frees the output", async () => {
  const r = recording();
  const s = new SessionAdapter(r.runtime, sig, { device: 'wasm', deviceReason: 'test', warmUp: 'always', warmUpId: 1n });
  await s.init();
  expect(s.dimension).toBe(2);
  expect(r.calls).toHaveLength(1);
  expect(r.calls[0].feeds.ids.data).toEqual(Int32Array.from([1]));
  expect(r.calls[0].output).toBe('emb');
  const out = await s.run({ inputIds: new BigInt64Array([5n, 6n]), attentionMask: new BigInt64Array([1n, 1n]), batch: 2, seqLen: 1 });
  expect(Array.from(out)).toEqual([Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2].map(Math.fround));
  expect(r.freed()).toBe(1);
});

test("'if-needed' skips the warm-up when the metadata states the width; dispose releases once and later runs reject", async () => {
  const r = recording();
  const s = new SessionAdapter(r.runtime, sig, { device: 'cpu', deviceReason: 'test', warmUp: 'if-needed', warmUpId: 0n });
  await s.init();
  expect(s.dimension).toBe(2);
  expect(r.calls).toHaveLength(0);
  await s.dispose();
  await s.dispose();
  expect(r.released()).toBe(1);
  await expect(s.run({ inputIds: new BigInt64Array([1n]), attentionMask: new BigInt64Array([1n]), batch: 1, seqLen: 1 })).rejects.toBeInstanceOf(SessionDisposedError);
});
