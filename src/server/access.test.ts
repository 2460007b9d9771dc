// Who may reach the server and who may deploy, over real HTTP: deploy off without an admin key,
// keys compared exactly, Host headers outside the allow-list refused (DNS rebinding), unsafe
// configurations refused at start, and the keys kept out of a handler's environment and argv.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InvalidOptionError } from '../core/errors';
import { RemoteHttpError } from '../client/errors';
import { Remote } from '../client/remote';
import { createServer } from './create-server';
import { ARROW, auth, callId, column, deploy, requestWithHost, result, start, submit, textTable, type Running } from './test-fixtures/http';
import { LENGTH_BUNDLE } from './test-fixtures/handlers';

const errorOf = async (res: Response) => ((await res.json()) as { error: { name: string; message: string } }).error;

const getWithHost = (url: string, host: string | undefined) => requestWithHost(`${url}/health`, host);

describe('a server started without keys', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start({ adminKey: undefined, functions: [{ definition: { name: 'len', maxBatchingSize: 4, maxBufferDuration: 5 }, bundle: LENGTH_BUNDLE }] });
  });
  afterAll(async () => s?.close());

  test('refuses deploy and remove (403 DeployDisabledError) but answers calls', async () => {
    for (const res of [await deploy(s.url, { name: 'evil' }, LENGTH_BUNDLE, ''), await deploy(s.url, { name: 'evil' }, LENGTH_BUNDLE, 'anything')]) {
      expect(res.status).toBe(403);
      const e = await errorOf(res);
      expect(e.name).toBe('DeployDisabledError');
      expect(e.message).toMatch(/--admin-key/);
    }
    // Through the client (what `embedbook deploy` uses): the server's reason, not "wrong key".
    const viaClient = await new Remote({ url: s.url, adminKey: 'some-admin-key' }).deploy({ name: 'evil' }, LENGTH_BUNDLE).catch((e: unknown) => e);
    expect(viaClient).toBeInstanceOf(RemoteHttpError);
    expect((viaClient as RemoteHttpError).serverErrorName).toBe('DeployDisabledError');
    const del = await fetch(`${s.url}/functions/len`, { method: 'DELETE' });
    expect(del.status).toBe(403);
    expect((await errorOf(del)).name).toBe('DeployDisabledError');
    expect((await (await fetch(`${s.url}/functions`)).json() as Array<{ name: string }>).map((f) => f.name)).toEqual(['len']);
    const id = await callId(await submit(s.url, 'len', textTable(['abc'])));
    expect(column((await result(s.url, id)).table, 'result')).toEqual([3]);
  });
});

describe('keys are compared exactly', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start({ apiKey: 'Call-Key_1', adminKey: 'Admin-Key_2' });
  });
  afterAll(async () => s?.close());

  test('only the exact key passes; near misses, other schemes and empty tokens are 401', async () => {
    const health = (authorization?: string) => fetch(`${s.url}/health`, { headers: authorization === undefined ? {} : { authorization } });
    expect((await health('Bearer Call-Key_1')).status).toBe(200);
    expect((await health('bearer Call-Key_1')).status).toBe(200); // the scheme is case-insensitive (RFC 7235), the key is not
    expect((await health('Bearer Admin-Key_2')).status).toBe(200); // the admin key may call too
    for (const bad of ['Bearer call-key_1', 'Bearer Call-Key_', 'Bearer Call-Key_1x', 'Bearer Call-Key_1 x', 'Bearer Call Key_1', 'Bearer', 'Bearer ', 'Basic Call-Key_1', 'Call-Key_1', '']) {
      const res = await health(bad);
      expect(res.status, bad).toBe(401);
      expect((await errorOf(res)).name).toBe('UnauthorizedError');
    }
    // Deploy needs the admin key itself, not the call key.
    expect((await deploy(s.url, { name: 'two' }, LENGTH_BUNDLE, 'Call-Key_1')).status).toBe(401);
    expect((await deploy(s.url, { name: 'two' }, LENGTH_BUNDLE, 'Admin-Key_2 ')).status).toBe(201);
  });

  test('keys that are empty or could not be sent unchanged are refused at start', () => {
    for (const [opts, what] of [
      [{ apiKey: '' }, /apiKey.*empty/],
      [{ adminKey: '' }, /adminKey.*empty/],
      [{ apiKey: 'KEY ' }, /apiKey.*not shown/],
      [{ adminKey: ' KEY' }, /adminKey.*not shown/],
      [{ apiKey: 'a\tb' }, /apiKey/],
    ] as const) {
      let err: unknown;
      try {
        createServer({ ...opts, port: 0 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect(String((err as Error).message)).toMatch(what);
      expect(String((err as Error).message)).not.toContain('KEY');
    }
  });
});

describe('the Host allow-list', () => {
  let s: Running;
  let port: string;
  beforeAll(async () => {
    s = await start({ allowedHosts: ['embed.example', 'lan.example:8443'] });
    port = new URL(s.url).port;
  });
  afterAll(async () => s?.close());

  test('loopback names with the server port pass; a rebinding page, a wrong port or no Host get 403 in the error shape', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, 'embed.example', 'embed.example:443', 'lan.example:8443']) {
      expect((await getWithHost(s.url, host)).status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, 'evil.example', `localhost:${Number(port) + 1}`, 'localhost', 'lan.example:8444', `127.0.0.1.evil.example:${port}`, `localhost:${port}@evil`]) {
      const res = await getWithHost(s.url, host);
      expect(res.status, host).toBe(403);
      const body = JSON.parse(res.body) as { error: { name: string; message: string } };
      expect(body.error.name).toBe('HostNotAllowedError');
      expect(body.error.message).toMatch(/--allowed-hosts/);
    }
    // No Host at all: Node's HTTP server itself refuses an HTTP/1.1 request without one.
    expect((await getWithHost(s.url, undefined)).status).toBe(400);
  });

  test('a rebinding page cannot deploy or call either', async () => {
    const { status } = await requestWithHost(`${s.url}/functions/len/calls`, `attacker.example:${port}`, { method: 'POST', headers: { 'content-type': ARROW, ...auth('test-admin-key') }, body: 'x' });
    expect(status).toBe(403);
  });
});

test('a non-loopback bind address without an API key needs insecureNoAuth', async () => {
  expect(() => createServer({ host: '0.0.0.0', port: 0 })).toThrow(/loopback.*insecureNoAuth/s);
  expect(() => createServer({ host: '10.1.2.3', port: 0, adminKey: 'only-admin' })).toThrow(InvalidOptionError);
  // With a key, or the explicit opt-out, it is accepted (not listened on here: tests bind 127.0.0.1 only).
  await createServer({ host: '0.0.0.0', port: 0, apiKey: 'a-real-key', workers: 1 }).close();
  await createServer({ host: '0.0.0.0', port: 0, insecureNoAuth: true, workers: 1 }).close();
});

test("a handler finds no key in its process.env or process.argv", async () => {
  const saved = { api: process.env.EMBEDBOOK_API_KEY, admin: process.env.EMBEDBOOK_ADMIN_KEY };
  process.env.EMBEDBOOK_API_KEY = 'env-api-key-1';
  process.env.EMBEDBOOK_ADMIN_KEY = 'env-admin-key-1';
  let s: Running | undefined;
  try {
    s = await start({ apiKey: 'env-api-key-1', adminKey: 'env-admin-key-1' });
    const spy = `export default { handler: async (text) => text.map(() => JSON.stringify({ env: Object.entries(process.env).filter(([k, v]) => k.startsWith('EMBEDBOOK_') || /key-1/.test(v ?? '')), argv: process.argv })) };`;
    expect((await deploy(s.url, { name: 'spy', output: 'utf8', maxBatchingSize: 1, maxBufferDuration: 0 }, spy, 'env-admin-key-1')).status).toBe(201);
    const id = await callId(await submit(s.url, 'spy', textTable(['x']), 'env-api-key-1'));
    const seen = JSON.parse(column((await result(s.url, id, 'env-api-key-1')).table, 'result')[0] as string) as { env: unknown[]; argv: string[] };
    expect(seen.env).toEqual([]);
    expect(seen.argv.length).toBeGreaterThan(0);
    expect(seen.argv.join(' ')).not.toMatch(/key-1/);
  } finally {
    await s?.close();
    process.env.EMBEDBOOK_API_KEY = saved.api;
    process.env.EMBEDBOOK_ADMIN_KEY = saved.admin;
    if (saved.api === undefined) delete process.env.EMBEDBOOK_API_KEY;
    if (saved.admin === undefined) delete process.env.EMBEDBOOK_ADMIN_KEY;
  }
});
