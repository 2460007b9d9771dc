// The Node client's FetchLike over node:http, against real node:http servers on 127.0.0.1:
// answers and request bodies byte for byte, keep-alive reuse, stale kept-alive sockets, abort,
// refused connections, the fallback to fetch for bodies node:http cannot send, and the Remote
// client on it against a real embedbook server.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Float64, Table, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { LENGTH_BUNDLE } from '../server/test-fixtures/handlers';
import { start, type Running } from '../server/test-fixtures/http';
import { RemoteNetworkError } from './errors';
import { HttpTransport } from './http-transport';
import { createNodeHttpFetch } from './node-http-fetch';
import { Remote } from './remote-node';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Which server-side connection (1-based, in order of 'connection' events) carried it. */
  connection: number;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void;

interface TestServer {
  url: string;
  port: number;
  server: http.Server;
  seen: Seen[];
  connections(): number;
  /** Connections still open on the server's side. */
  open(): number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];

/** A node:http server on 127.0.0.1:0 that records every request (body read whole) before `handler` answers. */
async function serve(handler: Handler, setup?: (server: http.Server) => void): Promise<TestServer> {
  const seen: Seen[] = [];
  let connections = 0;
  let open = 0;
  const ids = new WeakMap<object, number>();
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(parts), connection: ids.get(req.socket) ?? 0 };
      seen.push(s);
      handler(req, res, s);
    });
  });
  server.on('connection', (socket) => {
    ids.set(socket, ++connections);
    open++;
    socket.on('close', () => open--);
  });
  setup?.(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const s: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    seen,
    connections: () => connections,
    open: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Answers with the request echoed as JSON (method, url, body as text, content-length). */
const echo: Handler = (_req, res, seen) => {
  const body = JSON.stringify({ method: seen.method, url: seen.url, length: seen.headers['content-length'] ?? null, body: seen.body.toString('utf8') });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
};

describe('answers', () => {
  test('GET: status, ok, headers by any case (null when absent, repeated ones joined), and the body as bytes, text and JSON', async () => {
    const payload = { hello: 'wörld 😀', n: [1, 2, 3] };
    const s = await serve((_req, res) => {
      res.setHeader('X-Custom-Thing', 'Value-1');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.statusCode = 201;
      res.end(JSON.stringify(payload));
    });
    const f = createNodeHttpFetch();
    const res = await f(`${s.url}/things?q=1`);
    expect(res.status).toBe(201);
    expect(res.ok).toBe(true);
    expect(res.headers.get('x-custom-thing')).toBe('Value-1');
    expect(res.headers.get('X-CUSTOM-THING')).toBe('Value-1');
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-not-sent')).toBeNull();
    expect(res.headers.get('set-cookie')).toBe('a=1, b=2');
    const text = JSON.stringify(payload);
    expect(await res.text()).toBe(text);
    expect(await res.json()).toEqual(payload);
    const ab = await res.arrayBuffer();
    expect(ab).toBeInstanceOf(ArrayBuffer);
    expect(Buffer.from(ab).equals(Buffer.from(text, 'utf8'))).toBe(true);
    expect(s.seen.map((r) => [r.method, r.url])).toEqual([['GET', '/things?q=1']]);
  });

  test('a non-2xx answer resolves with ok false and its body', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"name":"NotFound","message":"no such thing"}}');
    });
    const res = await createNodeHttpFetch()(`${s.url}/missing`);
    expect(res.status).toBe(404);
    expect(res.ok).toBe(false);
    expect(await res.json()).toEqual({ error: { name: 'NotFound', message: 'no such thing' } });
  });

  test('an empty answer body is an empty ArrayBuffer and an empty string', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const res = await createNodeHttpFetch()(s.url);
    expect(res.status).toBe(204);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expect(await res.text()).toBe('');
  });

  test('arrayBuffer() holds exactly the body bytes, for small answers and for a large one that arrives in many chunks', async () => {
    const bodies = [Buffer.from('tiny'), randomBytes(37), randomBytes(3 << 20)];
    const s = await serve((req, res) => {
      const b = bodies[Number(req.url?.slice(1))];
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // Written in pieces so the client sees several chunks.
      for (let at = 0; at < b.length; at += 65_536) res.write(b.subarray(at, at + 65_536));
      res.end();
    });
    const f = createNodeHttpFetch();
    for (let i = 0; i < bodies.length; i++) {
      const ab = await (await f(`${s.url}/${i}`)).arrayBuffer();
      expect(ab.byteLength).toBe(bodies[i].length);
      expect(Buffer.from(ab).equals(bodies[i])).toBe(true);
    }
  });
});

describe('request bodies', () => {
  test('a Uint8Array body (also a view at an offset into a bigger buffer) arrives byte for byte with its content-length', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    const f = createNodeHttpFetch();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const big = randomBytes(200_000);
    const backing = randomBytes(1000);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 13, 500);
    const bodies = [all, big, view, new Uint8Array(0)];
    for (const body of bodies) {
      const res = await f(`${s.url}/up`, { method: 'POST', headers: { 'content-type': 'application/vnd.apache.arrow.stream' }, body: body as unknown as BodyInit });
      expect(await res.text()).toBe('ok');
    }
    expect(s.seen).toHaveLength(bodies.length);
    s.seen.forEach((r, k) => {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('application/vnd.apache.arrow.stream');
      expect(r.headers['content-length']).toBe(String(bodies[k].byteLength));
      expect(r.headers['transfer-encoding']).toBeUndefined();
      expect(r.body.equals(Buffer.from(bodies[k].buffer, bodies[k].byteOffset, bodies[k].byteLength))).toBe(true);
    });
  });

  test('a string body arrives as its UTF-8 bytes, content-length counting bytes not characters', async () => {
    const s = await serve(echo);
    const body = JSON.stringify({ text: 'naïve café 😀 中文' });
    const res = await createNodeHttpFetch()(`${s.url}/json`, { method: 'post', headers: { 'content-type': 'application/json' }, body });
    const back = (await res.json()) as { method: string; length: string; body: string };
    expect(back).toEqual({ method: 'POST', url: '/json', length: String(Buffer.byteLength(body)), body });
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    expect(s.seen[0].headers['content-type']).toBe('application/json');
  });

  test('ArrayBuffer and other typed-array bodies send their own bytes only', async () => {
    const s = await serve((_req, res) => res.end());
    const f = createNodeHttpFetch();
    const floats = Float32Array.from([1.5, -2, Math.PI]);
    const backing = new Float64Array([1, 2, 3, 4, 5]);
    const mid = new Float64Array(backing.buffer, 8, 3);
    const ab = Uint8Array.from([9, 8, 7]).buffer;
    for (const body of [floats, mid, ab]) await f(s.url, { method: 'PUT', body: body as unknown as BodyInit });
    const expected = [floats, mid, new Uint8Array(ab)].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    expect(s.seen).toHaveLength(3);
    s.seen.forEach((r, k) => expect(r.body.equals(expected[k])).toBe(true));
    expect(s.seen.map((r) => r.headers['content-length'])).toEqual(expected.map((e) => String(e.length)));
  });

  test('headers given as a Headers object or as pairs are sent', async () => {
    const s = await serve((_req, res) => res.end());
    const f = createNodeHttpFetch();
    await f(s.url, { headers: new Headers({ Authorization: 'Bearer k1', 'X-A': '1' }) });
    await f(s.url, { headers: [['authorization', 'Bearer k2'], ['x-b', '2']] });
    expect(s.seen[0].headers).toMatchObject({ authorization: 'Bearer k1', 'x-a': '1' });
    expect(s.seen[1].headers).toMatchObject({ authorization: 'Bearer k2', 'x-b': '2' });
  });
});

describe('connections', () => {
  test('sequential requests reuse one kept-alive connection', async () => {
    const s = await serve(echo);
    const f = createNodeHttpFetch();
    for (let i = 0; i < 6; i++) {
      const res = await f(`${s.url}/${i}`, i % 2 ? { method: 'POST', body: `b${i}` } : {});
      expect(((await res.json()) as { url: string }).url).toBe(`/${i}`);
    }
    expect(s.seen).toHaveLength(6);
    expect(s.connections()).toBe(1);
    expect(new Set(s.seen.map((r) => r.connection))).toEqual(new Set([1]));
  });

  test('concurrent requests open at most maxSockets connections', async () => {
    // The server answers slowly on purpose (not a wait): the 8 requests overlap.
    const s = await serve((_req, res) => setTimeout(() => res.end('x'), 30));
    const f = createNodeHttpFetch({ maxSockets: 2 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => f(s.url).then((r) => r.text())));
    expect(answers).toEqual(Array(8).fill('x'));
    expect(s.connections()).toBe(2);
  });

  test('a kept-alive connection the server closed while idle does not fail the next request', async () => {
    const s = await serve(echo, (server) => {
      server.keepAliveTimeout = 50;
    });
    const f = createNodeHttpFetch();
    expect((await f(`${s.url}/a`)).status).toBe(200);
    // Wait for the server to close the idle connection (its 50 ms keep-alive timeout).
    await expect.poll(() => s.open(), { timeout: 5_000 }).toBe(0);
    const res = await f(`${s.url}/b`, { method: 'POST', body: 'second' });
    expect(((await res.json()) as { body: string }).body).toBe('second');
    expect(s.connections()).toBe(2);
  });

  /** A server that answers the first request on connection 1 and resets the connection on the next. */
  const resettingSecond = async () => {
    const state = { resets: 0 };
    const s = await serve((req, res, seen) => {
      if (seen.connection === 1 && s.seen.filter((r) => r.connection === 1).length === 2) {
        state.resets++;
        req.socket.destroy();
        return;
      }
      echo(req, res, seen);
    });
    return { s, state };
  };

  test('a GET on a reused connection that the server resets is sent once more on a fresh connection', async () => {
    const { s, state } = await resettingSecond();
    const f = createNodeHttpFetch();
    expect((await f(`${s.url}/first`)).status).toBe(200);
    const res = await f(`${s.url}/second`);
    expect(await res.json()).toMatchObject({ url: '/second' });
    expect(state.resets).toBe(1);
    expect(s.seen.map((r) => [r.url, r.connection])).toEqual([
      ['/first', 1],
      ['/second', 1],
      ['/second', 2],
    ]);
  });

  test('a POST on a reused connection that the server resets is not sent again (the server may have taken it): it rejects', async () => {
    const { s, state } = await resettingSecond();
    const f = createNodeHttpFetch();
    expect((await f(`${s.url}/first`)).status).toBe(200);
    const err = await f(`${s.url}/second`, { method: 'POST', body: 'payload' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(state.resets).toBe(1);
    expect(s.seen.map((r) => r.url)).toEqual(['/first', '/second']);
  });

  test('a fresh connection reset before an answer is not retried: it rejects with a TypeError', async () => {
    const s = await serve((req) => req.socket.destroy());
    const err = await createNodeHttpFetch()(s.url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(s.seen).toHaveLength(1);
  });

  test('a connection cut in the middle of the answer body rejects (does not hang or resolve with part of it)', async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      // The cut comes a moment after the start of the body on purpose (the fault, not a wait).
      res.write('only the start', () => setTimeout(() => req.socket.destroy(), 20));
    });
    await expect(createNodeHttpFetch()(s.url)).rejects.toThrow();
  });
});

describe('abort', () => {
  test('aborting while the server delays its answer rejects at once with an AbortError', async () => {
    const s = await serve((_req, res) => setTimeout(() => res.end('late'), 3000)); // the delay is the fault
    const f = createNodeHttpFetch();
    const ac = new AbortController();
    const pending = f(s.url, { signal: ac.signal }).catch((e: unknown) => e);
    await expect.poll(() => s.seen.length, { timeout: 10_000 }).toBe(1); // the server holds the request: abort now
    const t0 = Date.now();
    ac.abort();
    const err = await pending;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((err as Error).name).toBe('AbortError');
    expect(s.seen).toHaveLength(1);
  });

  test('an abort reason is what the request rejects with, also for an abort in the middle of the answer body', async () => {
    let sentPart = false;
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => (sentPart = true));
    });
    const ac = new AbortController();
    const reason = new Error('stop now');
    const pending = createNodeHttpFetch()(s.url, { signal: ac.signal });
    const outcome = pending.catch((e: unknown) => e);
    await expect.poll(() => sentPart, { timeout: 10_000 }).toBe(true); // 7 of the 100 bytes are on their way: abort now
    const t0 = Date.now();
    ac.abort(reason);
    expect(await outcome).toBe(reason);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  test('an AbortSignal.timeout rejects with its TimeoutError', async () => {
    const s = await serve((_req, res) => setTimeout(() => res.end('late'), 3000)); // the delay is the fault
    const err = await createNodeHttpFetch()(s.url, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
  });

  test('an already-aborted signal rejects without sending anything', async () => {
    const s = await serve(echo);
    const ac = new AbortController();
    ac.abort();
    const err = await createNodeHttpFetch()(s.url, { method: 'POST', body: 'x', signal: ac.signal }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    // The next request is the first the server sees, on the first connection it accepts.
    expect((await createNodeHttpFetch()(`${s.url}/after`)).status).toBe(200);
    expect(s.seen.map((r) => r.url)).toEqual(['/after']);
    expect(s.connections()).toBe(1);
  });

  test('after an abort the same fetch goes on working', async () => {
    const s = await serve((req, res, seen) => (req.url === '/slow' ? setTimeout(() => res.end('late'), 2000) : echo(req, res, seen))); // the delay is the fault
    const f = createNodeHttpFetch();
    const ac = new AbortController();
    const slow = f(`${s.url}/slow`, { signal: ac.signal }).catch((e: unknown) => e);
    await expect.poll(() => s.seen.length, { timeout: 10_000 }).toBe(1);
    ac.abort();
    expect(await slow).toMatchObject({ name: 'AbortError' });
    expect(((await (await f(`${s.url}/next`)).json()) as { url: string }).url).toBe('/next');
  });
});

/** A port nothing listens on: opened, noted, closed. */
async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('failures', () => {
  test('a refused connection rejects with a TypeError naming ECONNREFUSED', async () => {
    const port = await deadPort();
    const err = await createNodeHttpFetch()(`http://127.0.0.1:${port}/health`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  test('through HttpTransport a refused connection is a RemoteNetworkError', async () => {
    const port = await deadPort();
    const transport = new HttpTransport({ url: `http://127.0.0.1:${port}`, fetch: createNodeHttpFetch() });
    const err = await transport.health().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteNetworkError);
    expect((err as Error).message).toContain('ECONNREFUSED');
    expect(transport.answers).toBe(0);
  });

  test('through HttpTransport an abort stays an abort (not a network error)', async () => {
    const s = await serve((_req, res) => setTimeout(() => res.end('{}'), 3000)); // the delay is the fault
    const transport = new HttpTransport({ url: s.url, fetch: createNodeHttpFetch() });
    const ac = new AbortController();
    const pending = transport.health(ac.signal).catch((e: unknown) => e);
    await expect.poll(() => s.seen.length, { timeout: 10_000 }).toBe(1);
    ac.abort();
    const err = await pending;
    expect(err).not.toBeInstanceOf(RemoteNetworkError);
    expect((err as Error).name).toBe('AbortError');
  });
});

describe('bodies node:http does not send itself', () => {
  test('a ReadableStream body goes through globalThis.fetch and arrives whole', async () => {
    const s = await serve(echo);
    const chunks = ['stream ', 'of ', 'pieces ✓'];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const ch of chunks) c.enqueue(new TextEncoder().encode(ch));
        c.close();
      },
    });
    const spy = vi.spyOn(globalThis, 'fetch');
    try {
      const init = { method: 'POST', body: stream, duplex: 'half' } as RequestInit;
      const res = await createNodeHttpFetch()(`${s.url}/stream`, init);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { body: string }).body).toBe(chunks.join(''));
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  test('a URLSearchParams body goes through globalThis.fetch, form-encoded', async () => {
    const s = await serve(echo);
    const spy = vi.spyOn(globalThis, 'fetch');
    try {
      const res = await createNodeHttpFetch()(`${s.url}/form`, { method: 'POST', body: new URLSearchParams({ a: '1', b: 'x y' }) });
      expect(((await res.json()) as { body: string }).body).toBe('a=1&b=x+y');
      expect(s.seen[0].headers['content-type']).toContain('application/x-www-form-urlencoded');
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  test('bodies node:http sends itself do not touch globalThis.fetch', async () => {
    const s = await serve(echo);
    const spy = vi.spyOn(globalThis, 'fetch');
    try {
      const f = createNodeHttpFetch();
      await f(s.url);
      await f(s.url, { method: 'POST', body: 'text' });
      await f(s.url, { method: 'POST', body: new Uint8Array([1, 2]) as unknown as BodyInit });
      expect(spy).not.toHaveBeenCalled();
      expect(s.seen).toHaveLength(3);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('Remote (the Node entry) against a real embedbook server', () => {
  const VECTORS = `export default { handler: async (text) => text.map((t) => [t.length, t.codePointAt(0) ?? -1, ...Array.from(t, (c) => c.codePointAt(0) % 7)]) };`;
  let s: Running;
  beforeAll(async () => {
    s = await start({
      functions: [
        { definition: { name: 'len', maxBatchingSize: 4, maxBufferDuration: 5, output: 'float64' }, bundle: LENGTH_BUNDLE },
        { definition: { name: 'vec', maxBatchingSize: 8, maxBufferDuration: 5, output: 'float32[]' }, bundle: VECTORS },
      ],
    });
  });
  afterAll(async () => s?.close());

  const texts = Array.from({ length: 61 }, (_, i) => (i % 9 === 0 ? '' : `row ${i} ${'é😀'.repeat(i % 4)}`));
  const table = () => new Table({ text: vectorFromArray(texts, new Utf8()) });

  test('chunkedCall over a Utf8 table (several chunks, 2 at a time) returns every row in order, over node:http', async () => {
    const spy = vi.spyOn(globalThis, 'fetch');
    try {
      const out = await new Remote({ url: s.url }).function('len', { outputType: new Float64() }).chunkedCall(table(), { chunkSize: 7, concurrentChunks: 2 });
      expect(out.chunks).toBe(Math.ceil(texts.length / 7));
      expect(out.failedRows).toBe(0);
      const result = out.table.getChild('result') as Vector;
      expect(Array.from({ length: out.table.numRows }, (_, i) => result.get(i) as unknown)).toEqual(texts.map((t) => t.length));
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  test('vector results (the lean codec both ways) come back per row, in order', async () => {
    const out = await new Remote({ url: s.url, maxConcurrency: 4 }).function('vec').chunkedCall(table(), { chunkSize: 5, concurrentChunks: 2 });
    expect(out.failedRows).toBe(0);
    const result = out.table.getChild('result') as Vector;
    const got = Array.from({ length: out.table.numRows }, (_, i) => Array.from((result.get(i) as Vector).toArray() as Float32Array));
    const expected = texts.map((t) => [t.length, t.codePointAt(0) ?? -1, ...Array.from(t, (c) => (c.codePointAt(0) as number) % 7)]);
    expect(got).toEqual(expected);
  });
});
