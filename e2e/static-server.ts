// A minimal static file server for e2e pages and benchmarks: mounts URL prefixes onto folders and
// sends the cross-origin isolation headers (COOP/COEP/CORP) that WASM threads need, like
// `vite preview` does for the app. Nothing outside the mounts is served.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { crossOriginIsolationHeaders } from '../vite.config';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  url: string;
  /** URLs requested so far (to assert nothing was missing). */
  misses: string[];
  close(): Promise<void>;
}

/** `mounts`: URL prefix ('/', '/ort/', …) → folder. The longest matching prefix wins. */
export async function serveStatic(mounts: Record<string, string>): Promise<StaticServer> {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const misses: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const prefix = prefixes.find((p) => path.startsWith(p));
    let file = prefix === undefined ? undefined : normalize(join(mounts[prefix], path.slice(prefix.length)));
    if (file && prefix !== undefined && !file.startsWith(normalize(mounts[prefix]) + sep) && file !== normalize(mounts[prefix])) file = undefined;
    if (file && existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file || !existsSync(file)) {
      misses.push(path);
      res.writeHead(404, crossOriginIsolationHeaders).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, {
      ...crossOriginIsolationHeaders,
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('static server did not bind a TCP port');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    misses,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
