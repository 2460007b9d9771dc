// API and admin keys: what a usable key is, and the exact, constant-time check of the bearer token a
// request presents. Keys are compared byte for byte (never trimmed or case-folded) through SHA-256
// digests, so timingSafeEqual sees equal lengths and the time taken says nothing about the key.
import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidOptionError } from '../core/errors';

/** Environment variables a server reads keys from; never handed to handler threads. */
const KEY_ENV_VARS = ['EMBEDBOOK_API_KEY', 'EMBEDBOOK_ADMIN_KEY'] as const;

/**
 * RFC 6750 `b64token` characters: what fits a `Bearer` header unchanged. A key with spaces or
 * control characters could never be sent as is (HTTP trims and splits them), so it is refused
 * instead of silently matching a different string.
 */
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Checks a configured key; `undefined` means "not set". Never echoes the key in the message. */
export function validateKey(parameter: 'apiKey' | 'adminKey', key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidOptionError(parameter, key, 'a non-empty key', 'An empty key would leave the server open: leave the option out, or set a real key.', '"" (empty)');
  }
  if (!TOKEN.test(key)) {
    throw new InvalidOptionError(parameter, key, 'letters, digits and - . _ ~ + / (then = padding), as a bearer token', 'Whitespace or other characters cannot be sent unchanged in an Authorization header.', `a ${key.length}-character key with other characters (not shown)`);
  }
  return key;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** The token of `Authorization: Bearer <token>` exactly as sent (undefined when absent or malformed). */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer +(\S+)$/i.exec(header ?? '');
  return m ? m[1] : undefined;
}

/** Whether `presented` equals one of `keys`, checked against every key in constant time. */
export function keyMatches(presented: string | undefined, keys: readonly string[]): boolean {
  if (presented === undefined) return false;
  const got = digest(presented);
  let ok = false;
  for (const k of keys) ok = timingSafeEqual(got, digest(k)) || ok;
  return ok;
}

/** A copy of process.env without the key variables: the env handler threads get. */
export function envWithoutKeys(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of KEY_ENV_VARS) delete out[name];
  return out;
}
