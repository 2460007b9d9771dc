// The real default model (USE lite → ONNX, built at install into public/models/default) behind the
// queue: deploy `model: 'default'`, embed over HTTP, compare with the in-process pipeline.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createNodeSession } from '../model/node-session';
import { Embedder } from '../model/pipeline/embedder';
import { defaultModelDir, loadNodeModel } from '../model/registry-node';
import { callId, column, deploy, result, start, submit, textTable, type Running } from './test-fixtures/http';

const built = existsSync(join(defaultModelDir(), 'config.json'));
let s: Running;
beforeAll(async () => {
  if (built) s = await start({ threadsPerWorker: 1 });
});
afterAll(async () => s?.close());

test.runIf(built)('model: "default" embeds in the worker, 512-d, identical to the in-process pipeline', async () => {
  const res = await deploy(s.url, { name: 'embed', model: 'default', maxBatchingSize: 25, maxBufferDuration: 20, retries: 3, resources: { cpu: 1, memory: '1Gi' } });
  expect(res.status).toBe(201);
  const texts = ['The cat sat on the mat.', 'A dog barked at the mailman.', 'Stock markets fell sharply today.', ''];
  const { table } = await result(s.url, await callId(await submit(s.url, 'embed', textTable(texts))));
  const got = column(table, 'result') as number[][];
  expect(got).toHaveLength(4);
  expect(got[0]).toHaveLength(512);
  expect(Math.hypot(...got[0])).toBeCloseTo(1, 4);

  const loaded = await loadNodeModel('default');
  const session = await createNodeSession(loaded.model, { device: 'cpu', threads: 1 });
  try {
    const ref = await new Embedder(loaded.tokenizer, session).embed(texts);
    texts.forEach((_, i) => {
      expect(column(table, 'status')[i]).toBe(ref.errors[i] ?? 'ok');
      const want = ref.values[i];
      if (want) expect(Math.max(...got[i].map((v, j) => Math.abs(v - want[j])))).toBeLessThan(1e-5);
    });
  } finally {
    await session.dispose();
  }
});
