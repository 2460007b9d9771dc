// `embedbook serve` and `embedbook deploy` together: serve on a free port (stopped through the
// CLI's abort signal, as Ctrl-C does), deploy a definition file that imports from 'embedbook',
// call it with the Remote client, and check the deploy errors users will hit.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Remote } from '../client/remote';
import { main, type CliIO } from './main';

const dir = mkdtempSync(join(tmpdir(), 'embedbook-deploy-'));
const stop = new AbortController();
let served: Promise<number>;
let url: string;
const serveLog = { out: '', err: '' };

function capture(signal?: AbortSignal): CliIO & { out: string; err: string } {
  const io = { out: '', err: '', isTTY: false, signal, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

beforeAll(async () => {
  const io: CliIO = {
    isTTY: false,
    signal: stop.signal,
    stdout: (t) => void (serveLog.out += t),
    stderr: (t) => void (serveLog.err += t),
  };
  served = main(
    ['serve', '--port', '0', '--api-key', 'user', '--admin-key', 'admin', '--no-default-function',
      '--workers', '1', '--threads-per-worker', '1', '--max-queued-rows', '500', '--body-limit', '64KiB', '--allow-cpu-fallback'],
    io,
  );
  for (let i = 0; i < 200 && !serveLog.out; i++) await new Promise((r) => setTimeout(r, 25));
  url = serveLog.out.trim();
});

afterAll(async () => {
  stop.abort();
  await served;
  rmSync(dir, { recursive: true, force: true });
});

describe('embedbook serve + deploy', () => {
  test('serve prints its URL and what is deployed', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(serveLog.err).toMatch(/embedbook server listening on http:\/\/127\.0\.0\.1:\d+\n {2}functions: \(none/);
    expect(serveLog.err).toMatch(/access: API key required \(--api-key\); deploy\/remove with the admin key \(--admin-key\)/);
  });

  test('deploy bundles a definition that imports from "embedbook" and the function runs', async () => {
    const file = join(dir, 'shout.function.ts');
    writeFileSync(file, `import { defineFunction } from 'embedbook';
const suffix: string = '!';
export default defineFunction({
  name: 'shout', args: { text: 'string[]' }, output: 'utf8', maxBatchingSize: 8, maxBufferDuration: 5,
  handler: async (text: string[]) => text.map((t) => t.toUpperCase() + suffix),
});
`);
    const io = capture();
    expect(await main(['deploy', file, '--url', url, '--admin-key', 'admin'], io)).toBe(0);
    expect(io.out).toMatch(/^Deployed "shout" version 1 to http:\/\/127\.0\.0\.1:\d+ \(bundle [\d.]+ KiB\)/);

    const fn = new Remote({ url, apiKey: 'user' }).function<string>('shout', { outputType: new Utf8() });
    const out = await fn.chunkedCall(new Table({ text: vectorFromArray(['a', 'b', 'c'], new Utf8()) }), { chunkSize: 2 });
    expect(out.table.getChild('result')?.toArray()).toEqual(['A!', 'B!', 'C!']);

    // Redeploy: a new version.
    const again = capture();
    expect(await main(['deploy', file, '--url', url, '--admin-key', 'admin'], again)).toBe(0);
    expect(again.out).toMatch(/version 2/);
  });

  test('deploy errors: wrong admin key, scalar handler, missing file, no default export', async () => {
    const file = join(dir, 'ok.function.ts');
    writeFileSync(file, `export default { name: 'ok', handler: async (text: string[]) => text.map(() => 1), output: 'float32' };\n`);
    const wrongKey = capture();
    expect(await main(['deploy', file, '--url', url, '--admin-key', 'user'], wrongKey)).toBe(1);
    expect(wrongKey.err).toMatch(/RemoteAuthError: .*the admin key was rejected/);

    const scalar = join(dir, 'scalar.function.ts');
    writeFileSync(scalar, `export default { name: 'one', args: { text: 'string' }, handler: async (t: string) => t.length };\n`);
    const s = capture();
    expect(await main(['deploy', scalar, '--url', url, '--admin-key', 'admin'], s)).toBe(1);
    expect(s.err).toMatch(/400/);
    expect(s.err).toMatch(/scalar|one row/i);

    const missing = capture();
    expect(await main(['deploy', join(dir, 'nope.ts'), '--url', url], missing)).toBe(1);
    expect(missing.err).toMatch(/InputFileError: Definition file not found: .*nope\.ts/);

    const noDefault = join(dir, 'nodefault.function.ts');
    writeFileSync(noDefault, `export const x = 1;\n`);
    const nd = capture();
    expect(await main(['deploy', noDefault, '--url', url, '--admin-key', 'admin'], nd)).toBe(1);
    expect(nd.err).toMatch(/must `export default defineFunction\(\{ name, \.\.\. \}\)`; its default export is missing/);
  });

  test('serve passes --workers, --max-queued-rows, --body-limit and --allow-cpu-fallback to the server', async () => {
    expect(serveLog.err).toMatch(/pool: 1 worker × 1 ORT thread, CPU fallback on\n/);
    const user = { authorization: 'Bearer user' };
    const health = (await (await fetch(`${url}/health`, { headers: user })).json()) as { workers: number };
    expect(health.workers).toBe(1);

    // --allow-cpu-fallback: a function asking for a GPU this server lacks deploys (409 without the flag).
    const definition = { name: 'len', args: { text: 'string[]' }, output: 'float64', maxBatchingSize: 16, maxBufferDuration: 5, resources: { gpu: 'nvidia-l4' } };
    const deployed = await fetch(`${url}/functions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer admin' },
      body: JSON.stringify({ definition, bundle: 'export default { handler: async (text) => text.map((t) => t.length) };' }),
    });
    expect(deployed.status).toBe(201);

    const call = (texts: string[]) =>
      fetch(`${url}/functions/len/calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.apache.arrow.stream', ...user },
        body: tableToIPC(new Table({ text: vectorFromArray(texts, new Utf8()) }), 'stream') as unknown as BodyInit,
      });
    // --max-queued-rows 500: one call of 600 rows can never fit.
    const tooMany = await call(Array.from({ length: 600 }, (_, i) => `r${i}`));
    expect(tooMany.status).toBe(400);
    // Refused from the stream's metadata, before anything is allocated from the claimed row count.
    expect(await tooMany.text()).toMatch(/claims 600 rows, more than this server's limit of 500 rows per call: send it in chunks of at most 500 rows/);
    // --body-limit 64KiB = 65536 bytes: a 100 KB body is refused, a small one accepted.
    const tooBig = await call(['x'.repeat(100_000)]);
    expect(tooBig.status).toBe(413);
    expect(await tooBig.text()).toMatch(/bodyLimit of 65536 bytes/);
    expect((await call(['abc'])).status).toBe(202);
  });

  test('serve rejects bad pool and limit flags with a usage error (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--workers', '0'], /--workers 0 makes an API node, which runs no batches: give it the shared store .*--store redis:\/\//],
      [['--workers', '-1'], /--workers must be a whole number from 0 to 256 \(worker threads; 0 = an API node that runs none\), got "-1"/],
      [['--workers', '2', '--gpus', '1'], /--workers 2 and --gpus 1 were both given/],
      [['--gpus', 'nvidia l4'], /--gpus takes a count .*"nvidia l4" is not a kind name/],
      [['--max-queued-rows', '1e3'], /--max-queued-rows must be a whole number/],
      [['--body-limit', '12'], /--body-limit must be a size from 1KiB to 2GiB.*got "12"/],
      [['--threads-per-worker', 'many'], /--threads-per-worker must be a whole number/],
    ];
    for (const [flags, message] of cases) {
      const io = capture();
      expect(await main(['serve', '--port', '0', '--no-default-function', ...flags], io), flags.join(' ')).toBe(2);
      expect(io.err).toMatch(message);
    }
  });

  test('serve rejects a bad port or CORS origin before listening', async () => {
    const io = capture();
    expect(await main(['serve', '--port', 'http'], io)).toBe(2);
    expect(io.err).toMatch(/--port must be a port number 0-65535, got "http"/);
    const taken = capture();
    expect(await main(['serve', '--port', new URL(url).port, '--no-default-function'], taken)).toBe(2);
    expect(taken.err).toMatch(/Port \d+ on 127\.0\.0\.1 is already in use: stop the other server or pass --port/);
    const cors = capture();
    expect(await main(['serve', '--port', '0', '--cors-origin', 'localhost:5173'], cors)).toBe(2);
    expect(cors.err).toMatch(/--cors-origin must be an origin like http:\/\/localhost:5173/);
  });
});
