// The EmbedFunction contract on the remote function: Remote (the Node entry's client, node:http)
// against a real createServer on 127.0.0.1 whose worker thread runs the same tiny model. Faults are
// injected in the client's fetch (a slower answer, a proxy's 502), the one place a real server
// cannot be made to misbehave on demand.
import Fastify from 'fastify';
import { start, type Running } from '../server/test-fixtures/http';
import { embedFunctionContract, FaultPoint, type ContractSubject } from './embed-function-contract';
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
  const point = new FaultPoint();
  const inner = createNodeHttpFetch();
  const badGateway = () =>
    new Response(JSON.stringify({ error: 'BadGateway', message: 'injected: a proxy lost the upstream' }), { status: 502, headers: { 'content-type': 'application/json' } });
  // Submits (POST) and long-polls (GET) of calls are the model requests; health, lists and DELETEs pass untouched.
  const fetch: FetchLike = (url, init) => {
    const method = init?.method ?? 'GET';
    if (!/\/calls(\/|\?|$)/.test(url) || method === 'DELETE') return inner(url, init);
    return point.pass({ counts: method === 'POST', canFail: method === 'POST' }, badGateway, () => inner(url, init));
  };
  const remote = new Remote({ url: server.url, fetch });
  const reference = await tinyReference();
  return {
    ...point.subject(),
    fn: (opts) => remote.function<Float32Array>('tiny-embed', opts),
    reference: (texts) => reference.embed(texts),
    async close() {
      await server.close();
      await reference.dispose();
    },
  };
});
