// Serves the built app (dist/) from fastify with the headers the app needs:
// - COOP/COEP make the page cross-origin isolated, or onnxruntime-web silently runs one WASM thread;
// - CORP lets those isolated pages load our own files;
// - the right MIME types: browsers refuse `.wasm` for streaming compile and `.mjs` workers unless
//   they come as application/wasm and text/javascript.
// - nosniff, a Content-Security-Policy and Referrer-Policy (SECURITY_HEADERS) on every answer.
// No @fastify/static: a dozen lines of path checks and streams cover what the app needs.
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { RouteNotFoundError } from '../server/errors';

const CROSS_ORIGIN_ISOLATION: Record<string, string> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * What the app may load, as narrow as it still runs: its own scripts and workers ('self', plus
 * blob: workers that onnxruntime-web may spawn), WebAssembly compiled from fetched bytes
 * ('wasm-unsafe-eval': onnxruntime-web, parquet-wasm), inline style attributes (React's `style`),
 * and connections anywhere over http(s), since the Remote backend and model downloads may live on
 * other origins. No plugins, no framing, no <base> or form posts elsewhere.
 */
const policy = (scriptSrc: string) =>
  [
    "default-src 'self'",
    `script-src ${scriptSrc}`,
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' http: https: data: blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

/**
 * Scripts only from the app's own origin (no inline script, no other origin: the barrier against
 * injected markup), with 'unsafe-eval' because the app's own bundled libraries compile code at run
 * time: apache-arrow's builders (`new Function` for null checks, in the worker and the page) and
 * regl (the explorer's WebGL scatter compiles its draw calls). A page policy without it broke the
 * explorer and the results view in Chromium (EvalError).
 */
const CONTENT_SECURITY_POLICY = policy("'self' 'wasm-unsafe-eval' 'unsafe-eval' blob:");

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'referrer-policy': 'no-referrer',
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.parquet': 'application/octet-stream',
  '.csv': 'text/csv; charset=utf-8',
};

export interface StaticOptions {
  root: string;
  /** Paths under this prefix are never answered with index.html (the API's 404s stay JSON). */
  apiPrefix?: string;
}

/** Resolves a URL path inside root, or undefined when it would escape it. */
export function resolveInside(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = resolve(root, `.${sep}${normalize(decoded)}`);
  const base = resolve(root);
  return full === base || full.startsWith(base + sep) ? full : undefined;
}

function fileAt(path: string | undefined): { path: string; size: number; mtime: Date } | undefined {
  if (!path) return undefined;
  try {
    const st = statSync(path);
    if (st.isFile()) return { path, size: st.size, mtime: st.mtime };
    if (st.isDirectory()) return fileAt(join(path, 'index.html'));
  } catch {
    // Not there: the caller decides (404 or the SPA's index.html).
  }
  return undefined;
}

function send(reply: FastifyReply, file: { path: string; size: number; mtime: Date }, urlPath: string) {
  const type = MIME[extname(file.path).toLowerCase()] ?? 'application/octet-stream';
  // Vite's hashed assets never change; everything else is revalidated.
  const cache = urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  return reply
    .header('content-type', type)
    .header('content-length', String(file.size))
    .header('last-modified', file.mtime.toUTCString())
    .header('cache-control', cache)
    .send(createReadStream(file.path));
}

/** Adds the isolation and security headers to every response (API included) and serves `root` for GET/HEAD. */
export function registerStatic(app: FastifyInstance, opts: StaticOptions): void {
  const apiPrefix = opts.apiPrefix ?? '/api';
  app.addHook('onSend', async (req, reply, payload) => {
    for (const [k, v] of Object.entries(CROSS_ORIGIN_ISOLATION)) if (!reply.hasHeader(k)) reply.header(k, v);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(k)) reply.header(k, v);
    return payload;
  });
  // Other methods on app paths (POST /x…): the same JSON error shape as the API's.
  app.setNotFoundHandler((req, reply) => {
    const e = new RouteNotFoundError(req.method, req.url.split('?')[0]);
    return reply.code(e.statusCode).type('application/json').send({ error: { name: e.name, message: e.message } });
  });
  app.get('/*', async (req, reply) => {
    const urlPath = req.url.split('?')[0];
    if (urlPath === apiPrefix || urlPath.startsWith(`${apiPrefix}/`)) {
      const e = new RouteNotFoundError(req.method, urlPath);
      return reply.code(e.statusCode).send({ error: { name: e.name, message: e.message } });
    }
    const file = fileAt(resolveInside(opts.root, urlPath));
    if (file) return send(reply, file, urlPath);
    // Client-side routes (no file extension) get the app; a missing asset is a real 404.
    const index = fileAt(join(opts.root, 'index.html'));
    if (!extname(urlPath) && index) return send(reply, index, '/index.html');
    return reply.code(404).type('text/plain; charset=utf-8').send(`Not found: ${urlPath}`);
  });
}
