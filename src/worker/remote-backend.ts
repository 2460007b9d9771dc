// Remote backend: each chunk is one call on the function-queue server, through the public Remote
// client. Call-fatal errors (wrong key, unknown function, unreachable server) stopping the whole
// run is RemoteFunction.chunkedCall's job (src/client/fatal-errors.ts), not repeated here.
import { UnknownFunctionError } from '../client/errors';
import { Remote } from '../client/remote';
import type { BackendSpec } from './api';
import { embedTexts, type EmbedBackend } from './embed-backend';

export async function createRemoteBackend(spec: Extract<BackendSpec, { kind: 'remote' }>): Promise<EmbedBackend> {
  const remote = new Remote({ url: spec.url, apiKey: spec.apiKey || undefined });
  const fn = remote.function<Float32Array>(spec.functionName);
  const health = await remote.health();
  const functions = await remote.listFunctions();
  if (!functions.some((f) => f.name === spec.functionName)) {
    throw new UnknownFunctionError(spec.functionName, functions.map((f) => f.name), remote.url);
  }
  return {
    label: `Remote · ${spec.functionName} @ ${remote.url}`,
    device: 'remote',
    reason: `queue server ${health.version ?? ''} with ${health.workers ?? '?'} worker(s)`.replace('  ', ' '),
    fn,
    embedTexts: (texts, signal) => embedTexts(fn, texts, signal),
    async dispose() {},
  };
}
