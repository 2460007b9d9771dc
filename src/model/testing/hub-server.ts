// Test helper (Node): a local HTTP server in the Hugging Face hub layout,
// `/{org}/{name}/resolve/{revision}/{file}`, serving model folders from disk or memory. It can
// require a token per repo (401 without it, 403 with a wrong one), send weight files through a
// second server on another origin (as the hub redirects to its CDN), and it records every request
// with its Authorization header. CORS and CORP headers let a cross-origin-isolated page fetch it.
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface HubRepo {
  /** A folder in HF layout, or in-memory files keyed by path. */
  dir?: string;
  files?: Record<string, Uint8Array | string>;
  /** Revisions this repo answers to (default ['main']). */
  revisions?: string[];
  /** When set, requests need `Authorization: Bearer <token>`. */
  token?: string;
}

interface RecordedRequest {
  server: 'hub' | 'cdn';
  url: string;
  authorization?: string;
}

export interface HubServer {
  endpoint: string;
  cdnOrigin: string;
  requests: RecordedRequest[];
  /** Files downloaded so far (repo/revision/file; HEAD requests excluded), hub and CDN together. */
  served(): string[];
  close(): Promise<void>;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, Range',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Type, ETag',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

function readRepoFile(repo: HubRepo, file: string): Uint8Array | undefined {
  if (file.split('/').includes('..')) return undefined;
  const mem = repo.files?.[file];
  if (mem !== undefined) return typeof mem === 'string' ? new TextEncoder().encode(mem) : mem;
  if (!repo.dir) return undefined;
  try {
    if (!statSync(join(repo.dir, file)).isFile()) return undefined;
    return readFileSync(join(repo.dir, file));
  } catch {
    return undefined;
  }
}

/** Starts the hub (and its "CDN" for *.onnx / *.onnx_data when `redirectWeights`). */
export async function startHubServer(repos: Record<string, HubRepo>, opts: { redirectWeights?: boolean } = {}): Promise<HubServer> {
  const requests: RecordedRequest[] = [];
  const served: string[] = [];
  const pending = new Map<string, Uint8Array>();
  const send = (res: ServerResponse, body: Uint8Array) => {
    res.writeHead(200, { ...CORS, 'Content-Length': body.byteLength, 'Content-Type': 'application/octet-stream' });
    res.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  };
  const cdn = await listen((req, res) => {
    requests.push({ server: 'cdn', url: req.url ?? '', authorization: req.headers.authorization });
    const body = pending.get(req.url ?? '');
    if (!body) return void res.writeHead(404, CORS).end('Not Found');
    served.push(decodeURIComponent((req.url ?? '').slice(1)));
    send(res, body);
  });
  const hub = await listen((req, res) => {
    requests.push({ server: 'hub', url: req.url ?? '', authorization: req.headers.authorization });
    if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end();
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec((req.url ?? '').split('?')[0]);
    const repo = m ? repos[m[1]] : undefined;
    if (!m || !repo) return void res.writeHead(401, { ...CORS, 'X-Error-Code': 'RepoNotFound' }).end('Repository not found');
    if (repo.token) {
      const auth = req.headers.authorization;
      if (!auth) return void res.writeHead(401, CORS).end('Access to this repository is restricted');
      if (auth !== `Bearer ${repo.token}`) return void res.writeHead(403, CORS).end('Forbidden');
    }
    const revision = decodeURIComponent(m[2]);
    if (!(repo.revisions ?? ['main']).includes(revision)) return void res.writeHead(404, { ...CORS, 'X-Error-Code': 'RevisionNotFound' }).end('Invalid rev id');
    const file = decodeURIComponent(m[3]);
    const body = readRepoFile(repo, file);
    if (!body) return void res.writeHead(404, { ...CORS, 'X-Error-Code': 'EntryNotFound' }).end('Entry not found');
    const key = `${m[1]}/${revision}/${file}`;
    if (opts.redirectWeights && /\.onnx(_data)?$/.test(file)) {
      const path = `/${encodeURIComponent(key)}`;
      pending.set(path, body);
      return void res.writeHead(302, { ...CORS, Location: `${cdn.origin}${path}` }).end();
    }
    if (req.method !== 'HEAD') served.push(key);
    send(res, body);
  });
  return {
    endpoint: hub.origin,
    cdnOrigin: cdn.origin,
    requests,
    served: () => [...served],
    close: async () => {
      hub.server.closeAllConnections();
      cdn.server.closeAllConnections();
      await Promise.all([hub.server, cdn.server].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
