// The EmbedFunction contract on the local function: LocalRuntime (the real Embedder on a real
// onnxruntime-node session) with the tiny model. Faults are injected at the session (a slower or
// failing inference run), the one place the engine cannot reach.
import { defaultTimers, sleep } from '../core/timers';
import type { EmbeddingSession } from '../model/types';
import { embedFunctionContract, type ContractSubject } from './embed-function-contract';
import { LocalRuntime } from './local-runtime';
import { nodeBackend } from './local-runtime-node';
import { loadedTinyModel, tinyReference } from './test-fixtures/tiny-embed';

embedFunctionContract('LocalFunction (tiny model, onnxruntime-node)', async (): Promise<ContractSubject> => {
  let delayMs = 0;
  let failLeft = 0;
  let requests = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const faulty = (inner: EmbeddingSession): EmbeddingSession => ({
    device: inner.device,
    deviceReason: inner.deviceReason,
    dimension: inner.dimension,
    async run(batch) {
      requests++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        if (failLeft > 0) {
          failLeft--;
          throw new Error('injected: the inference run failed');
        }
        if (delayMs > 0) await sleep(delayMs, defaultTimers); // a slow model, not a test waiting
        return await inner.run(batch);
      } finally {
        inFlight--;
      }
    },
    dispose: () => inner.dispose(),
  });
  const runtime = new LocalRuntime({
    model: 'default',
    device: 'cpu',
    backend: {
      name: 'onnxruntime-node (tiny test model)',
      loadModel: async () => loadedTinyModel(),
      createSession: async (model, opts) => faulty(await nodeBackend.createSession(model, opts)),
    },
  });
  await runtime.load();
  const reference = await tinyReference();
  return {
    fn: (opts) => runtime.function('embed', opts),
    reference: (texts) => reference.embed(texts),
    faults: {
      delay: (ms) => void (delayMs = ms),
      failNext: (n) => void (failLeft = n),
    },
    requests: () => requests,
    maxInFlight: () => maxInFlight,
    reset() {
      delayMs = 0;
      failLeft = 0;
      requests = 0;
      maxInFlight = inFlight;
    },
    async close() {
      await runtime.dispose();
      await reference.dispose();
    },
  };
});
