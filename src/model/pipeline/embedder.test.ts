import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNodeSession } from '../node-session';
import type { DenseBatch, EmbeddingSession } from '../types';
import { Embedder } from './embedder';
import { buildTinyModel, charTokenizer } from './test-models';

let session: EmbeddingSession;
beforeAll(async () => {
  session = await createNodeSession(buildTinyModel({ tokenTypes: true }), { device: 'cpu', threads: 1 });
});
afterAll(() => session.dispose());

/**
 * Records every batch a session runs and how many runs overlap (instrumentation, not a fake). No
 * added delay: the inner run is real inference on onnxruntime's thread pool, which always answers on
 * a later turn, so a second run started before the first finished is counted (see the witness test).
 */
function recording(inner: EmbeddingSession, concurrency?: number) {
  const batches: DenseBatch[] = [];
  let active = 0;
  let maxActive = 0;
  const s: EmbeddingSession = {
    get device() { return inner.device; },
    get deviceReason() { return inner.deviceReason; },
    get dimension() { return inner.dimension; },
    concurrency,
    async run(b) {
      batches.push(b);
      maxActive = Math.max(maxActive, ++active);
      try {
        return await inner.run(b);
      } finally {
        active--;
      }
    },
    dispose: () => inner.dispose(),
  };
  return { s, batches, maxActive: () => maxActive };
}

const texts = ['a much longer sentence here', 'hi', '', 'medium text', 'x', 'another long-ish row of text', 'abc'];

describe('Embedder', () => {
  test('rows come back in input order, identical to embedding each row alone', async () => {
    const emb = new Embedder(charTokenizer(64), session, { tokenBudget: 64, maxBatchRows: 3 });
    const out = await emb.embed(texts);
    expect(out.errors).toEqual(texts.map(() => null));
    for (let i = 0; i < texts.length; i++) {
      const alone = (await emb.embed([texts[i]])).values[0]!;
      expect(out.values[i]!.length).toBe(8);
      Array.from(alone).forEach((x, j) => expect(out.values[i]![j]).toBeCloseTo(x, 6));
    }
    // Different texts give different vectors: a misplaced row would be caught above.
    expect(Array.from(out.values[0]!)).not.toEqual(Array.from(out.values[1]!));
  });

  test('sub-batches are sorted, padded only to their own longest row and within the token budget', async () => {
    const rec = recording(session);
    const tok = charTokenizer(64);
    const emb = new Embedder(tok, rec.s, { tokenBudget: 70, maxBatchRows: 4 });
    await emb.embed(texts);
    const lengths = texts.map((t) => tok.encode(t).ids.length).sort((a, b) => a - b);
    let seen = 0;
    for (const b of rec.batches) {
      expect(b.batch * b.seqLen).toBeLessThanOrEqual(70);
      expect(b.batch).toBeLessThanOrEqual(4);
      expect(b.seqLen).toBe(lengths[seen + b.batch - 1]);
      seen += b.batch;
    }
    expect(seen).toBe(texts.length);
    expect(rec.batches.length).toBeGreaterThan(1);
  });

  test('null and non-string cells get per-row errors; neighbours and empty strings embed', async () => {
    const emb = new Embedder(charTokenizer(), session);
    const out = await emb.embed(['ok', null, 42, '', undefined, { a: 1 }]);
    expect(out.errors[0]).toBeNull();
    expect(out.errors[1]).toEqual({ code: 'NULL_TEXT', message: 'row 1: expected a string, got null' });
    expect(out.errors[2]).toEqual({ code: 'NOT_TEXT', message: 'row 2: expected a string, got number 42' });
    expect(out.errors[3]).toBeNull();
    expect(out.errors[4]).toMatchObject({ code: 'NULL_TEXT', message: expect.stringMatching(/row 4: expected a string, got undefined/) });
    expect(out.errors[5]).toMatchObject({ code: 'NOT_TEXT', message: expect.stringMatching(/row 5: expected a string, got object/) });
    expect(out.values.map((v) => v === null)).toEqual([false, true, true, false, true, true]);
    expect(Math.hypot(...out.values[3]!)).toBeCloseTo(1, 5);
  });

  test('a 100k-character text is cut before tokenizing and flagged truncated', async () => {
    let longest = 0;
    const tok = charTokenizer(16);
    const spy = { ...tok, encode: (t: string) => ((longest = Math.max(longest, t.length)), tok.encode(t)) };
    const emb = new Embedder(spy, session);
    const out = await emb.embed(['short', 'y'.repeat(100_000), 'z'.repeat(15)]);
    expect(out.truncated).toEqual([false, true, true]);
    expect(out.errors).toEqual([null, null, null]);
    expect(longest).toBeLessThanOrEqual(32 * 16);
  });

  test('the overlap recorder sees two runs started together (so a maxActive of 1 below means something)', async () => {
    const probe = recording(session);
    await new Embedder(charTokenizer(64), probe.s).embed(['hello']);
    const batch = probe.batches[0]!;
    const rec = recording(session);
    await Promise.all([rec.s.run(batch), rec.s.run(batch)]);
    expect(rec.maxActive()).toBe(2);
  });

  test('one inference at a time per session, even across embedders and concurrent calls', async () => {
    const rec = recording(session);
    const a = new Embedder(charTokenizer(64), rec.s, { maxBatchRows: 1 });
    const b = new Embedder(charTokenizer(64), rec.s, { maxBatchRows: 1 });
    const [x, y] = await Promise.all([a.embed(texts), b.embed(texts)]);
    expect(rec.maxActive()).toBe(1);
    expect(rec.batches.length).toBe(2 * texts.length);
    expect(Array.from(x.values[0]!)).toEqual(Array.from(y.values[0]!));
  });

  test('a session of width 2 (a pool of two inference workers) runs two sub-batches at once, never more, rows in input order', async () => {
    const serial = await new Embedder(charTokenizer(64), session, { maxBatchRows: 1 }).embed(texts);
    const rec = recording(session, 2);
    const a = new Embedder(charTokenizer(64), rec.s, { maxBatchRows: 1 });
    const b = new Embedder(charTokenizer(64), rec.s, { maxBatchRows: 1 });
    const one = await a.embed(texts);
    // One call alone fills both slots (one chunk's sub-batches spread over the workers)…
    expect(rec.maxActive()).toBe(2);
    // …and two concurrent calls share the same two: the width is the session's, not each call's.
    const [x, y] = await Promise.all([a.embed(texts), b.embed(texts)]);
    expect(rec.maxActive()).toBe(2);
    expect(rec.batches.length).toBe(3 * texts.length);
    for (const out of [one, x, y]) out.values.forEach((v, i) => expect(Array.from(v!)).toEqual(Array.from(serial.values[i]!)));
  });

  test('an abort while sub-batches run in a width-2 session starts no further sub-batch and rejects with the reason', async () => {
    const ctl = new AbortController();
    let runs = 0;
    const s: EmbeddingSession = {
      device: 'wasm',
      deviceReason: 'test',
      concurrency: 2,
      get dimension() { return session.dimension; },
      async run(batch) {
        runs++;
        ctl.abort(new Error('cancelled by the user'));
        return session.run(batch);
      },
      dispose: async () => {},
    };
    await expect(new Embedder(charTokenizer(64), s, { maxBatchRows: 1 }).embed(texts, { signal: ctl.signal })).rejects.toThrow('cancelled by the user');
    expect(runs).toBe(1);
  });

  test('an aborted signal stops the call with the abort reason', async () => {
    const emb = new Embedder(charTokenizer(), session);
    const ctl = new AbortController();
    ctl.abort(new Error('stop now'));
    await expect(emb.embed(['a'], { signal: ctl.signal })).rejects.toThrow('stop now');
  });

  test('a failing inference rejects the call (the engine retries the chunk)', async () => {
    const broken: EmbeddingSession = { device: 'cpu', deviceReason: 'test', dimension: 8, run: () => Promise.reject(new Error('kernel failed')), dispose: async () => {} };
    await expect(new Embedder(charTokenizer(), broken).embed(['a'])).rejects.toThrow('kernel failed');
  });
});
