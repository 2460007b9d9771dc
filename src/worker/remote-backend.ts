// Remote backend: each chunk is one call on the function-queue server (src/client). Call-fatal
// errors (wrong key, unknown function, unreachable server) stop the whole run with their clear
// message instead of being retried and bisected row by row.
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { guardFatal } from '../client/fatal-errors';
import { Remote } from '../client/remote';
import { UnknownFunctionError } from '../protocol/errors';
import type { BatchFunction } from '../core/types';
import type { BackendSpec } from './api';
import type { EmbedBackend } from './embed-backend';

export async function createRemoteBackend(spec: Extract<BackendSpec, { kind: 'remote' }>): Promise<EmbedBackend> {
  let answers = 0;
  // Counting answers tells a mid-run network blip (retried) from a server that was never reachable.
  const remote = new Remote({
    url: spec.url,
    apiKey: spec.apiKey || undefined,
    fetch: async (input, init) => {
      const res = await globalThis.fetch(input, init);
      answers++;
      return res;
    },
  });
  const fn = remote.function<Float32Array>(spec.functionName);
  const health = await remote.health();
  const functions = await remote.listFunctions();
  if (!functions.some((f) => f.name === spec.functionName)) {
    throw new UnknownFunctionError(spec.functionName, functions.map((f) => f.name), remote.url);
  }
  const embedBatch: BatchFunction<Float32Array> = (args, ctx) => fn.batchFunction(args, ctx);
  return {
    label: `Remote · ${spec.functionName} @ ${remote.url}`,
    device: 'remote',
    reason: `queue server ${health.version ?? ''} with ${health.workers ?? '?'} worker(s)`.replace('  ', ' '),
    embedBatch,
    guard: (inner, signal) => guardFatal(inner, signal, () => answers),
    async embedTexts(texts, signal) {
      const out = await fn.batchFunction(new Table({ text: vectorFromArray(texts, new Utf8()) }), { signal: signal ?? new AbortController().signal, chunkIndex: 0, attempt: 1 });
      return out.values.map((v, i) => {
        if (!v) throw Object.assign(new Error(out.errors?.[i] ?? 'the server returned no embedding'), { name: 'EmbedError' });
        return v;
      });
    },
    async dispose() {},
  };
}
