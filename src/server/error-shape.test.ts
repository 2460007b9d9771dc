// Every error answer of the queue API in the documented shape `{ error: { name, message } }`
// (docs/http-api.md), over real HTTP: unknown routes, wrong content types (415 before any parser
// runs), bad JSON, empty bodies. Issue #10 point 6.
import { connect } from 'node:net';
import { tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LENGTH_BUNDLE } from './test-fixtures/handlers';
import { ARROW, start, TEST_ADMIN_KEY, textTable, type Running } from './test-fixtures/http';

let s: Running;
let prefixed: Running;
beforeAll(async () => {
  const functions = [{ definition: { name: 'len', maxBatchingSize: 8, maxBufferDuration: 5, output: 'float64' }, bundle: LENGTH_BUNDLE }];
  s = await start({ functions });
  prefixed = await start({ functions, prefix: '/api' });
});
afterAll(async () => {
  await s?.close();
  await prefixed?.close();
});

async function errorAnswer(res: Response): Promise<{ name: string; message: string }> {
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = (await res.json()) as { error?: { name?: unknown; message?: unknown } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error?.name).toBe('string');
  expect(typeof body.error?.message).toBe('string');
  return body.error as { name: string; message: string };
}

const arrowBody = () => tableToIPC(textTable(['a', 'b']), 'stream') as unknown as BodyInit;

describe('unknown routes', () => {
  test.each([
    ['GET', '/nope'],
    ['POST', '/nope'],
    ['DELETE', '/functions'],
    ['PUT', '/functions/len/calls'],
    ['GET', '/functions/len/calls/extra'],
    ['PATCH', '/calls/x'],
  ])('%s %s → 404 NotFoundError naming the route', async (method, path) => {
    for (const base of [s.url, prefixed.url]) {
      const res = await fetch(`${base}${path}`, { method });
      expect(res.status).toBe(404);
      const e = await errorAnswer(res);
      expect(e.name).toBe('NotFoundError');
      expect(e.message).toContain(`${method} ${base === s.url ? '' : '/api'}${path}`);
    }
  });
});

describe('content types', () => {
  test('an Arrow body sent as application/json to the submit route → 415, not a JSON parse 400', async () => {
    const res = await fetch(`${s.url}/functions/len/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: arrowBody() });
    expect(res.status).toBe(415);
    const e = await errorAnswer(res);
    expect(e.name).toBe('UnsupportedMediaTypeError');
    expect(e.message).toContain(ARROW);
  });

  test.each([undefined, 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x'])('a call sent as %s → 415', async (type) => {
    const headers: Record<string, string> = type ? { 'content-type': type } : {};
    const res = await fetch(`${s.url}/functions/len/calls`, { method: 'POST', headers, body: arrowBody() });
    expect(res.status).toBe(415);
    expect((await errorAnswer(res)).name).toBe('UnsupportedMediaTypeError');
  });

  test('a deploy sent as Arrow or text → 415 naming application/json', async () => {
    for (const type of [ARROW, 'text/plain']) {
      const res = await fetch(`${s.url}/functions`, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${TEST_ADMIN_KEY}` }, body: arrowBody() });
      expect(res.status).toBe(415);
      expect((await errorAnswer(res)).message).toContain('application/json');
    }
  });

  test('a content type with parameters or other case still counts as Arrow', async () => {
    const res = await fetch(`${s.url}/functions/len/calls`, { method: 'POST', headers: { 'content-type': `${ARROW.toUpperCase()}; charset=binary` }, body: arrowBody() });
    expect(res.status).toBe(202);
  });
});

describe('bad bodies keep the shape', () => {
  test.each([
    ['broken JSON', '{"definition": '],
    ['an empty JSON body', ''],
    ['a JSON array', '[1,2,3]'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['a definition that is a string', '{"definition":"x"}'],
  ])('deploy with %s → 400 in the error shape', async (_what, body) => {
    const res = await fetch(`${s.url}/functions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` }, body });
    expect(res.status).toBe(400);
    await errorAnswer(res);
  });

  test('an empty call body → 400 MalformedIpcError', async () => {
    const res = await fetch(`${s.url}/functions/len/calls`, { method: 'POST', headers: { 'content-type': ARROW }, body: new Uint8Array(0) as unknown as BodyInit });
    expect(res.status).toBe(400);
    expect((await errorAnswer(res)).name).toBe('MalformedIpcError');
  });
});

/** One raw HTTP exchange (what fetch cannot send: bad URL escapes, broken framing). */
function raw(base: string, request: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    // `Host: HOST` in a request is this server's own host (the allow-list refuses any other).
    const sock = connect(Number(u.port), u.hostname, () => sock.end(request.replace('Host: HOST', `Host: ${u.host}`)));
    let out = '';
    sock.on('data', (c: Buffer) => (out += c.toString()));
    sock.on('error', reject);
    sock.on('close', () => {
      const [head, ...rest] = out.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), body: rest.join('\r\n\r\n') });
    });
  });
}

describe('errors before any route runs keep the shape', () => {
  test.each([
    ['a URL that does not decode', 'GET /calls/%zz HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\n\r\n', /not a valid url/],
    ['a broken chunked body', 'POST /functions/len/calls HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/vnd.apache.arrow.stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n', /could not be read/],
    ['a body shorter than its Content-Length', 'POST /functions/len/calls HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/vnd.apache.arrow.stream\r\nContent-Length: 100\r\nConnection: close\r\n\r\nabc', /could not be read/],
  ])('%s → 400 BadRequestError', async (_what, request, message) => {
    const { status, body } = await raw(s.url, request);
    expect(status).toBe(400);
    expect(JSON.parse(body)).toEqual({ error: { name: 'BadRequestError', code: 'BAD_REQUEST', message: expect.stringMatching(message) } });
  });
});
