// The access flags of `serve` / `start`: where keys come from, what is refused, and that keys read
// from argv or the environment are scrubbed from them afterwards.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseAuthFlags, requireAuthOffLoopback } from './auth-options';
import { CliUsageError } from './errors';
import { main, type CliIO } from './main';

const dir = mkdtempSync(join(tmpdir(), 'embedbook-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function usage(fn: () => unknown): CliUsageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliUsageError) return err;
    throw err;
  }
  throw new Error('expected a CliUsageError');
}

describe('parseAuthFlags', () => {
  test('a key from a flag is scrubbed from argv; one from the environment is removed from it', () => {
    const argv = ['node', 'embedbook', 'serve', '--api-key', 'flag-key-1', '--admin-key=flag-admin-1'];
    const env: NodeJS.ProcessEnv = { EMBEDBOOK_ADMIN_KEY: 'env-admin-1', OTHER: 'x' };
    const a = parseAuthFlags({ apiKey: 'flag-key-1' }, { env, argv });
    expect(a).toMatchObject({ apiKey: 'flag-key-1', apiKeyFrom: '--api-key', adminKey: 'env-admin-1', adminKeyFrom: 'EMBEDBOOK_ADMIN_KEY' });
    expect(env).toEqual({ OTHER: 'x' });
    expect(argv.join(' ')).not.toMatch(/flag-key-1/);
    expect(argv).toContain('***');
    const argv2 = ['--admin-key=flag-admin-1'];
    parseAuthFlags({ adminKey: 'flag-admin-1' }, { env: {}, argv: argv2 });
    expect(argv2).toEqual(['--admin-key=***']);
  });

  test('a key file gives its text less one line ending, nothing else trimmed', () => {
    const file = join(dir, 'admin.key');
    writeFileSync(file, 'file-admin-key\n');
    expect(parseAuthFlags({ adminKeyFile: file }, { env: {}, argv: [] }).adminKey).toBe('file-admin-key');
    writeFileSync(file, 'file-admin-key \n');
    expect(usage(() => parseAuthFlags({ adminKeyFile: file }, { env: {}, argv: [] })).message).toMatch(/--admin-key-file: .*not shown/);
    expect(usage(() => parseAuthFlags({ apiKeyFile: join(dir, 'missing') }, { env: {}, argv: [] })).message).toMatch(/cannot be read \(ENOENT\)/);
  });

  test('empty keys are usage errors, never "open"; so are two sources for one key', () => {
    expect(usage(() => parseAuthFlags({ apiKey: '' }, { env: {}, argv: [] })).message).toMatch(/--api-key is empty/);
    expect(usage(() => parseAuthFlags({}, { env: { EMBEDBOOK_ADMIN_KEY: '' }, argv: [] })).message).toMatch(/EMBEDBOOK_ADMIN_KEY is empty/);
    const empty = join(dir, 'empty.key');
    writeFileSync(empty, '\n');
    expect(usage(() => parseAuthFlags({ apiKeyFile: empty }, { env: {}, argv: [] })).flag).toBe('api-key-file');
    expect(usage(() => parseAuthFlags({ apiKey: 'a-key', apiKeyFile: empty }, { env: {}, argv: [] })).message).toMatch(/both given/);
  });

  test('start (adminOnly) ignores EMBEDBOOK_API_KEY; bad --allowed-hosts entries are usage errors', () => {
    const env = { EMBEDBOOK_API_KEY: 'api-1' };
    expect(parseAuthFlags({}, { adminOnly: true, env, argv: [] }).apiKey).toBeUndefined();
    expect(env).toEqual({ EMBEDBOOK_API_KEY: 'api-1' });
    expect(parseAuthFlags({ allowedHosts: ['a.example,b.example:8080', '[fd00::1]:7711'] }, { env: {}, argv: [] }).allowedHosts).toEqual(['a.example', 'b.example:8080', '[fd00::1]:7711']);
    expect(usage(() => parseAuthFlags({ allowedHosts: ['http://a.example/'] }, { env: {}, argv: [] })).flag).toBe('allowed-hosts');
  });

  test('a non-loopback host needs an API key or --insecure-no-auth', () => {
    expect(usage(() => requireAuthOffLoopback('0.0.0.0', {})).message).toMatch(/--insecure-no-auth/);
    expect(usage(() => requireAuthOffLoopback('192.168.1.5', { adminKey: 'admin-1' })).flag).toBe('host');
    expect(() => requireAuthOffLoopback('0.0.0.0', { apiKey: 'api-1' })).not.toThrow();
    expect(() => requireAuthOffLoopback('0.0.0.0', { insecureNoAuth: true })).not.toThrow();
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(() => requireAuthOffLoopback(host, {})).not.toThrow();
  });
});

test('`embedbook serve` exits 2 on an empty --api-key or an open non-loopback --host, before listening', async () => {
  const run = async (args: string[]) => {
    const io = { isTTY: false, out: '', err: '', stdout(t: string) { this.out += t; }, stderr(t: string) { this.err += t; } };
    const code = await main(['serve', ...args], io as unknown as CliIO);
    return { code, err: io.err, out: io.out };
  };
  const empty = await run(['--port', '0', '--api-key', '']);
  expect(empty.code).toBe(2);
  expect(empty.err).toMatch(/CliUsageError: --api-key is empty/);
  const open = await run(['--port', '0', '--host', '0.0.0.0', '--no-default-function']);
  expect(open.code).toBe(2);
  expect(open.err).toMatch(/not a loopback address and no API key/);
  expect(open.out).toBe('');
});
