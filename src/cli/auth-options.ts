// `serve` / `start` access flags → createServer options: the API and admin keys (from a flag, a
// file or the environment — never empty), the extra allowed Host names and the explicit opt-out for
// an open non-loopback server. Keys read from argv or the environment are scrubbed from
// process.argv / process.env afterwards, so nothing later in the process (handlers included) finds
// them there; docs/server.md explains what that does and does not protect.
import { readFileSync } from 'node:fs';
import { InvalidOptionError } from '../core/errors';
import { hostAllowList, isLoopback } from '../server/allowed-hosts';
import { validateKey } from '../server/keys';
import { CliUsageError } from './errors';

export interface RawAuthFlags {
  apiKey?: string;
  apiKeyFile?: string;
  adminKey?: string;
  adminKeyFile?: string;
  allowedHosts?: string[];
  insecureNoAuth?: boolean;
}

export interface AuthOptions {
  apiKey?: string;
  adminKey?: string;
  allowedHosts?: string[];
  insecureNoAuth?: boolean;
  /** Where each key came from, for the banner (never the key itself). */
  apiKeyFrom?: string;
  adminKeyFrom?: string;
}

interface KeySource {
  kind: 'api' | 'admin';
  flag?: string;
  file?: string;
}

const NAMES = {
  api: { flag: 'api-key', file: 'api-key-file', env: 'EMBEDBOOK_API_KEY', option: 'apiKey' },
  admin: { flag: 'admin-key', file: 'admin-key-file', env: 'EMBEDBOOK_ADMIN_KEY', option: 'adminKey' },
} as const;

/** The key's text in a file: the whole file less one line ending (nothing else is trimmed). */
function readKeyFile(flag: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliUsageError(`--${flag} ${JSON.stringify(file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): give the path of a file that holds the key.`, flag);
  }
  return text.replace(/\r?\n$/, '');
}

/** Replaces a key given on the command line by *** in process.argv (what `ps` and handlers' process.argv show). */
function scrubArgv(flag: string, argv: string[]): void {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${flag}` && i + 1 < argv.length) argv[i + 1] = '***';
    else if (argv[i].startsWith(`--${flag}=`)) argv[i] = `--${flag}=***`;
  }
}

function resolveKey(src: KeySource, env: NodeJS.ProcessEnv, argv: string[]): { key?: string; from?: string } {
  const n = NAMES[src.kind];
  if (src.flag !== undefined && src.file !== undefined) throw new CliUsageError(`--${n.flag} and --${n.file} were both given: pass the key one way.`, n.flag);
  let key: string | undefined;
  let from: string | undefined;
  let flag: string = n.flag;
  if (src.flag !== undefined) {
    [key, from] = [src.flag, `--${n.flag}`];
    scrubArgv(n.flag, argv);
  } else if (src.file !== undefined) {
    [key, from, flag] = [readKeyFile(n.file, src.file), `--${n.file}`, n.file];
  } else if (env[n.env] !== undefined) {
    [key, from] = [env[n.env], n.env];
    delete env[n.env];
  }
  if (key === '') {
    throw new CliUsageError(`${from} is empty (an unset shell variable?): an empty key would leave the server open. Give a real key, or leave ${from} out.`, flag);
  }
  try {
    return { key: validateKey(n.option, key), from };
  } catch (err) {
    if (err instanceof InvalidOptionError) throw new CliUsageError(`${from}: ${err.message}`, flag);
    throw err;
  }
}

/**
 * Resolves and checks the access flags; scrubs keys out of `argv` / `env` (default: this
 * process's). `adminOnly` (`start`, whose app sends no API key): EMBEDBOOK_API_KEY is not read.
 */
export function parseAuthFlags(flags: RawAuthFlags, opts: { adminOnly?: boolean; env?: NodeJS.ProcessEnv; argv?: string[] } = {}): AuthOptions {
  const { env = process.env, argv = process.argv } = opts;
  const api = opts.adminOnly ? {} : resolveKey({ kind: 'api', flag: flags.apiKey, file: flags.apiKeyFile }, env, argv);
  const admin = resolveKey({ kind: 'admin', flag: flags.adminKey, file: flags.adminKeyFile }, env, argv);
  const allowedHosts = flags.allowedHosts?.flatMap((h) => h.split(',')).map((h) => h.trim()).filter(Boolean);
  try {
    hostAllowList('127.0.0.1', allowedHosts);
  } catch (err) {
    if (err instanceof InvalidOptionError) throw new CliUsageError(`--allowed-hosts: ${err.message}`, 'allowed-hosts');
    throw err;
  }
  return {
    apiKey: api.key,
    apiKeyFrom: api.from,
    adminKey: admin.key,
    adminKeyFrom: admin.from,
    allowedHosts,
    insecureNoAuth: flags.insecureNoAuth,
  };
}

/** A non-loopback --host with no API key needs --insecure-no-auth (createServer checks the same). */
export function requireAuthOffLoopback(host: string, a: AuthOptions): void {
  if (a.apiKey || a.insecureNoAuth || isLoopback(host)) return;
  throw new CliUsageError(
    `--host ${host} is not a loopback address and no API key is set, so anyone who can reach it could run every function. ` +
      'Set a key (--api-key-file <file>, EMBEDBOOK_API_KEY or --api-key), or pass --insecure-no-auth to accept that.',
    'host',
  );
}

/** The banner's access line, e.g. "API key required; deploy with the admin key; hosts: …". */
export function describeAuth(a: AuthOptions): string {
  const calls = a.apiKey ? `API key required (${a.apiKeyFrom})` : a.insecureNoAuth ? 'OPEN to anyone who can reach it (--insecure-no-auth)' : 'no API key (loopback only)';
  const deploy = a.adminKey ? `deploy/remove with the admin key (${a.adminKeyFrom})` : a.apiKey ? 'deploy/remove with the API key' : 'deploy/remove off (no --admin-key)';
  return `${calls}; ${deploy}${a.allowedHosts?.length ? `; extra allowed hosts: ${a.allowedHosts.join(', ')}` : ''}`;
}
