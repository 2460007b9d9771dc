// `embedbook start` on a real port: the app's files with isolation headers and the right MIME
// types, the queue under /api on the same origin with the built-in "embed" function, and the
// Remote client working against it. A small fixture folder stands in for dist/ so the test does
// not run a full vite build.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Remote } from '../client/remote';
import { requestWithHost } from '../server/test-fixtures/http';
import { staleReason } from './app-build';
import { startApp, type StartedApp } from './start-command';
import { resolveInside } from './static-files';

/** POST /functions with a tiny length handler, with or without a bearer key. */
function deployTo(api: string, key?: string): Promise<Response> {
  return fetch(`${api}/functions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ definition: { name: 'len', output: 'float64' }, bundle: 'export default { handler: async (text) => text.map((t) => t.length) };' }),
  });
}

const getWithHost = (base: string, path: string, host: string) => requestWithHost(new URL(path, base).href, host);

const dist = mkdtempSync(join(tmpdir(), 'embedbook-dist-'));
let app: StartedApp;

beforeAll(async () => {
  writeFileSync(join(dist, 'index.html'), '<!doctype html><h1>embedbook</h1>');
  mkdirSync(join(dist, 'ort'));
  writeFileSync(join(dist, 'ort', 'ort-wasm-simd-threaded.jsep.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(dist, 'ort', 'ort-wasm-simd-threaded.jsep.mjs'), 'export {};');
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  app = await startApp({ host: '127.0.0.1', port: '0', distDir: dist }, { stderr: () => undefined });
});

afterAll(async () => {
  await app?.close();
  rmSync(dist, { recursive: true, force: true });
});

describe('embedbook start', () => {
  test('serves the app cross-origin isolated, with wasm/mjs MIME types', async () => {
    const index = await fetch(app.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(index.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(index.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(await index.text()).toContain('<h1>embedbook</h1>');

    const wasm = await fetch(`${app.url}ort/ort-wasm-simd-threaded.jsep.wasm`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
    const mjs = await fetch(`${app.url}ort/ort-wasm-simd-threaded.jsep.mjs`);
    expect(mjs.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(mjs.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const asset = await fetch(`${app.url}assets/index-abc123.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  test('every answer (app, API, 404) carries nosniff, a CSP that allows wasm and workers, and Referrer-Policy', async () => {
    for (const path of ['', 'ort/ort-wasm-simd-threaded.jsep.wasm', 'missing.js', 'api/health', 'api/nope']) {
      const res = await fetch(`${app.url}${path}`);
      await res.arrayBuffer();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toMatch(/script-src [^;]*'wasm-unsafe-eval'/);
      expect(csp).toMatch(/worker-src [^;]*'self'/);
      expect(csp).toContain("object-src 'none'");
      // Scripts from the app's origin only: never inline (eval is allowed: apache-arrow and regl compile code).
      expect(csp).not.toMatch(/script-src [^;]*'unsafe-inline'/);
      expect(csp).not.toMatch(/script-src [^;]*(https?:|\*)/);
    }
  });

  test('other methods on unknown paths answer the documented JSON error shape', async () => {
    for (const [method, path] of [['POST', 'nope'], ['DELETE', 'some/route'], ['POST', 'api/nope']]) {
      const res = await fetch(`${app.url}${path}`, { method });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { name: 'NotFoundError', message: expect.stringContaining(`${method} /${path}`) } });
    }
  });

  test('client-side routes get index.html; missing assets and escapes are 404', async () => {
    expect(await (await fetch(`${app.url}some/route`)).text()).toContain('<h1>embedbook</h1>');
    expect((await fetch(`${app.url}missing.js`)).status).toBe(404);
    const escape = await (await fetch(`${app.url}%2e%2e/%2e%2e/etc/passwd`)).text();
    expect(escape).not.toContain('root:');
    expect((await fetch(`${app.url}%2e%2e/%2e%2e/etc/hostname.js`)).status).toBe(404);
    // Dot segments, raw or percent-encoded, are clamped at the root: never a path outside it.
    expect(resolveInside('/srv/dist', '/../secret')).toBe('/srv/dist/secret');
    expect(resolveInside('/srv/dist', '/%2e%2e/%2e%2e/secret')).toBe('/srv/dist/secret');
    expect(resolveInside('/srv/dist', '/a%00.js')).toBeUndefined();
    expect(resolveInside('/srv/dist', '/%E0%A4%A')).toBeUndefined();
    expect(resolveInside('/srv/dist', '/a/b.js')).toBe('/srv/dist/a/b.js');
  });

  test('the queue is mounted at /api with "embed" (default model) deployed; unknown API routes stay JSON 404s', async () => {
    const health = await (await fetch(`${app.url}api/health`)).json();
    expect(health).toMatchObject({ ok: true, functions: 1 });
    const remote = new Remote({ url: `${app.url}api` });
    const fns = await remote.listFunctions();
    expect(fns.map((f) => f.name)).toEqual(['embed']);
    const missing = await fetch(`${app.url}api/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { name: 'NotFoundError' } });
  });

  test('deploy under /api is off without --admin-key, and a foreign Host (DNS rebinding) gets neither the app nor the API', async () => {
    const d = await deployTo(`${app.url}api`);
    expect(d.status).toBe(403);
    expect(await d.json()).toMatchObject({ error: { name: 'DeployDisabledError' } });
    const port = new URL(app.url).port;
    for (const path of ['/', '/api/health', '/api/functions']) {
      expect((await getWithHost(app.url, path, `localhost:${port}`)).status, path).toBe(200);
      const foreign = await getWithHost(app.url, path, `rebind.attacker.example:${port}`);
      expect(foreign.status, path).toBe(403);
      expect(JSON.parse(foreign.body)).toMatchObject({ error: { name: 'HostNotAllowedError' } });
    }
  });

  test('--admin-key turns deploy on, for that key only', async () => {
    const withKey = await startApp({ host: '127.0.0.1', port: '0', distDir: dist, adminKey: 'start-admin-key' }, { stderr: () => undefined });
    try {
      expect(withKey.access).toMatch(/deploy\/remove with the admin key \(--admin-key\)/);
      expect((await deployTo(`${withKey.url}api`)).status).toBe(401);
      expect((await deployTo(`${withKey.url}api`, 'start-admin-key')).status).toBe(201);
      const out = await new Remote({ url: `${withKey.url}api` }).function<number>('len', { outputType: new Float64() }).chunkedCall(new Table({ text: vectorFromArray(['abcd'], new Utf8()) }), { chunkSize: 1 });
      expect(out.table.getChild('result')?.get(0)).toBe(4);
    } finally {
      await withKey.close();
    }
  }, 60_000);

  test('the Remote backend embeds through the same origin with the default model (512-d)', async () => {
    const fn = new Remote({ url: `${app.url}api` }).function('embed');
    const texts = ['a cat sat on the mat', 'stock markets fell sharply', 'a kitten sat on a rug'];
    const out = await fn.chunkedCall(new Table({ text: vectorFromArray(texts, new Utf8()) }), { chunkSize: 2, concurrentChunks: 2 });
    expect(out.failedRows).toBe(0);
    const vecs = texts.map((_, i) => Array.from((out.table.getChild('result')?.get(i) as { toArray(): Float32Array }).toArray()));
    expect(vecs.every((v) => v.length === 512)).toBe(true);
    const dot = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k], 0);
    expect(dot(vecs[0], vecs[2])).toBeGreaterThan(dot(vecs[0], vecs[1]));
  }, 120_000);
});

describe('staleReason', () => {
  test('missing dist, then current, then a newer source', () => {
    const root = mkdtempSync(join(tmpdir(), 'embedbook-root-'));
    try {
      mkdirSync(join(root, 'src', 'app'), { recursive: true });
      writeFileSync(join(root, 'src', 'app', 'app.tsx'), 'x');
      writeFileSync(join(root, 'index.html'), 'x');
      expect(staleReason(root)).toMatch(/dist\/index.html does not exist/);
      mkdirSync(join(root, 'dist'));
      writeFileSync(join(root, 'dist', 'index.html'), 'built');
      const past = new Date(Date.now() - 60_000);
      utimesSync(join(root, 'src', 'app', 'app.tsx'), past, past);
      utimesSync(join(root, 'src', 'app'), past, past);
      utimesSync(join(root, 'src'), past, past);
      utimesSync(join(root, 'index.html'), past, past);
      expect(staleReason(root)).toBeUndefined();
      const future = new Date(Date.now() + 60_000);
      utimesSync(join(root, 'src', 'app', 'app.tsx'), future, future);
      expect(staleReason(root)).toBe('src/app changed since the last build');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
