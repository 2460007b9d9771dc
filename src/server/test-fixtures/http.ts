// Helpers for the real-HTTP tests: start a server on 127.0.0.1 with an ephemeral port, send Arrow
// IPC calls with fetch, decode results.
import { Float64, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { request } from 'node:http';
import { createServer, type EmbedbookServer, type ServerOptions } from '../create-server';
import { ARROW_STREAM } from '../../protocol/http';

/** The media type tests send and expect (the protocol's one constant). */
export const ARROW = ARROW_STREAM;

export interface Running {
  server: EmbedbookServer;
  url: string;
  close(): Promise<void>;
}

/** The admin key test servers get unless a test sets its own: deploy needs one (docs/server.md). */
export const TEST_ADMIN_KEY = 'test-admin-key';

export async function start(opts: ServerOptions = {}): Promise<Running> {
  const server = createServer({ host: '127.0.0.1', port: 0, workers: 1, threadsPerWorker: 1, adminKey: TEST_ADMIN_KEY, ...opts });
  const { url } = await server.listen();
  return { server, url, close: () => server.close() };
}

export function textTable(texts: Array<string | null>, column = 'text'): Table {
  return new Table({ [column]: vectorFromArray(texts, new Utf8()) });
}

export function numbersTable(cols: Record<string, number[]>): Table {
  return new Table(Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, vectorFromArray(v, new Float64())])));
}

export function auth(key?: string): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

export async function submit(url: string, fn: string, table: Table | Uint8Array, key?: string): Promise<Response> {
  const body = table instanceof Uint8Array ? table : tableToIPC(table, 'stream');
  // A Uint8Array is a valid fetch body; lib.dom's BodyInit typing lags behind.
  return fetch(`${url}/functions/${fn}/calls`, { method: 'POST', headers: { 'content-type': ARROW, ...auth(key) }, body: body as unknown as BodyInit });
}

export async function callId(res: Response): Promise<string> {
  if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { callId: string }).callId;
}

/** Long-polls until done; returns the decoded result table and the response. */
export async function result(url: string, id: string, key?: string, timeoutS = 30): Promise<{ table: Table; res: Response }> {
  for (;;) {
    const res = await fetch(`${url}/calls/${id}?timeout=${timeoutS}`, { headers: auth(key) });
    if (res.status === 202) {
      await res.arrayBuffer();
      continue;
    }
    if (res.status !== 200) throw new Error(`poll answered ${res.status}: ${await res.text()}`);
    return { table: tableFromIPC(new Uint8Array(await res.arrayBuffer())), res };
  }
}

export async function deploy(url: string, definition: unknown, bundle?: string, key: string = TEST_ADMIN_KEY): Promise<Response> {
  return fetch(`${url}/functions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth(key) },
    body: JSON.stringify({ definition, bundle }),
  });
}

/** A column as plain JS values (list cells as number arrays). */
export function column(table: Table, name: string): unknown[] {
  const vec = table.getChild(name);
  if (!vec) throw new Error(`no column ${name}`);
  return Array.from({ length: vec.length }, (_, i) => {
    const v: unknown = vec.get(i);
    return v !== null && typeof v === 'object' && 'toArray' in (v as object) ? Array.from((v as { toArray(): ArrayLike<number> }).toArray()) : v;
  });
}

/**
 * A request to `url` with a Host header of our choosing (fetch does not let a caller set Host);
 * `host` undefined sends none at all.
 */
export function requestWithHost(url: string, host: string | undefined, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const headers = host === undefined ? { ...init.headers } : { ...init.headers, host };
    const req = request({ host: u.hostname, port: u.port, method: init.method ?? 'GET', path: `${u.pathname}${u.search}`, setHost: host !== undefined, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
