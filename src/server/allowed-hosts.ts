// The Host-header allow-list that keeps DNS rebinding out: a web page whose name was re-pointed at
// 127.0.0.1 reaches a loopback server from the victim's browser, but its requests still carry the
// page's own Host name. Only the names a local client really uses are answered by default.
import { InvalidOptionError } from '../core/errors';
import { HostNotAllowedError } from './errors';

/** Names always allowed (with the server's port): the loopback names clients type. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
/** Wildcard bind addresses are not names anyone connects to: not added to the list. */
const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** Whether binding to `host` keeps the server on this machine (127.0.0.0/8, ::1, localhost). */
export const isLoopback = (host: string): boolean => /^(127(\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i.test(host);

interface ParsedHost {
  name: string;
  port?: number;
}

/** `name`, `name:port`, `[v6]` or `[v6]:port` → lower-cased name (no brackets) and port. */
function parseHost(text: string): ParsedHost | undefined {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/i.exec(text.trim());
  if (!m) return undefined;
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && port > 65535) return undefined;
  return { name: (m[1] ?? m[2]).toLowerCase().replace(/\.$/, ''), port };
}

const show = (h: ParsedHost): string => `${h.name.includes(':') ? `[${h.name}]` : h.name}${h.port === undefined ? '' : `:${h.port}`}`;

export interface HostAllowList {
  /** Throws HostNotAllowedError unless `header` names this server; `port` is the one it listens on. */
  check(header: string | undefined, port: number): void;
}

/**
 * Default: the bind address (unless a wildcard), localhost, 127.0.0.1 and [::1], each with the
 * server's port (or no port when that port is 80). `extra` entries are `name` (any port) or
 * `name:port`; `*` turns the check off (e.g. behind a proxy that checks Host itself).
 */
export function hostAllowList(bindHost: string, extra: readonly string[] = []): HostAllowList {
  const anyHost = extra.includes('*');
  const bound = parseHost(bindHost)?.name ?? bindHost.toLowerCase();
  const defaults = new Set([...LOOPBACK_NAMES, ...(WILDCARDS.has(bound) ? [] : [bound])]);
  const extras = extra.filter((e) => e !== '*').map((e) => {
    const h = parseHost(e);
    if (!h) throw new InvalidOptionError('allowedHosts', e, 'host names like example.com, example.com:8080, 10.0.0.5 or [fd00::1]:7711, or *');
    return h;
  });
  return {
    check(header, port) {
      if (anyHost) return;
      const h = header === undefined ? undefined : parseHost(header);
      const portOk = (p: number | undefined) => p === port || (p === undefined && port === 80);
      if (h && defaults.has(h.name) && portOk(h.port)) return;
      if (h && extras.some((e) => e.name === h.name && (e.port === undefined || e.port === h.port))) return;
      const allowed = [...[...defaults].map((name) => show({ name, port })), ...extras.map(show)];
      throw new HostNotAllowedError(header, allowed);
    },
  };
}
