// The EmbedFunction contract on the remote function: Remote (the Node entry's client, node:http)
// against a real createServer on 127.0.0.1 whose worker thread runs the same tiny model. Faults are
// injected in the client's fetch (a slower answer, a proxy's 502), the one place a real server
// cannot be made to misbehave on demand.
import Fastify from 'fastify';
import { defaultTimers, sleep } from '../core/timers';
import { start, type Running } from '../server/test-fixtures/http';
import { embedFunctionContract, type ContractSubject } from './embed-function-contract';
import type { FetchLike } from './http-transport';
import { createNodeHttpFetch } from './node-http-fetch';
import { Remote } from './remote-node';
import { tinyReference } from './test-fixtures/tiny-embed';

const TINY_MODEL = new URL('../server/test-fixtures/tiny-model.ts', import.meta.url).href;

embedFunctionContract('RemoteFunction (real server, tiny model)', async (): Promise<ContractSubject> => {
  const server: Running = await start({
    // Long-polls the client abandons (cancel, timeout) must not hold close() for the keep-alive timeout.
    app: Fastify({ forceCloseConnections: true }),
    workers: 1,
    models: { tiny: { module: TINY_MODEL } },
    functions: [{ definition: { name: 'tiny-embed', model: 'tiny', maxBatchingSize: 16, maxBufferDuration: 5, retries: 0 } }],
  });
  let delayMs = 0;
  let failLeft = 0;
  let requests = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const inner = createNodeHttpFetch();
  const fetch: FetchLike = async (url, init) => {
    const method = init?.method ?? 'GET';
    const isCall = /\/calls(\/|\?|$)/.test(url) && method !== 'DELETE';
    if (!isCall) return inner(url, init);
    if (method === 'POST') requests++;
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    try {
      if (method === 'POST' && failLeft > 0) {
        failLeft--;
        return new Response(JSON.stringify({ error: 'BadGateway', message: 'injected: a proxy lost the upstream' }), { status: 502, headers: { 'content-type': 'application/json' } });
      }
      if (delayMs > 0) await sleep(delayMs, defaultTimers); // a slow server, not a test waiting
      return await inner(url, init);
    } finally {
      inFlight--;
    }
  };
  const remote = new Remote({ url: server.url, fetch });
  const reference = await tinyReference();
  return {
    fn: (opts) => remote.function<Float32Array>('tiny-embed', opts),
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
      await server.close();
      await reference.dispose();
    },
  };
});
