// The EmbedFunction contract on the local function: LocalRuntime (the real Embedder on a real
// onnxruntime-node session) with the tiny model. Faults are injected at the session (a slower or
// failing inference run), the one place the engine cannot reach.
import type { EmbeddingSession } from '../model/types';
import { embedFunctionContract, FaultPoint, type ContractSubject } from './embed-function-contract';
import { LocalRuntime } from './local-runtime';
import { nodeBackend } from './local-runtime-node';
import { loadedTinyModel, tinyReference } from './test-fixtures/tiny-embed';

embedFunctionContract('LocalFunction (tiny model, onnxruntime-node)', async (): Promise<ContractSubject> => {
  const point = new FaultPoint();
  const faulty = (inner: EmbeddingSession): EmbeddingSession => ({
    device: inner.device,
    deviceReason: inner.deviceReason,
    dimension: inner.dimension,
    run: (batch) =>
      point.pass(
        { counts: true, canFail: true },
        () => {
          throw new Error('injected: the inference run failed');
        },
        () => inner.run(batch),
      ),
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
    ...point.subject(),
    fn: (opts) => runtime.function('embed', opts),
    reference: (texts) => reference.embed(texts),
    async close() {
      await runtime.dispose();
      await reference.dispose();
    },
  };
});
