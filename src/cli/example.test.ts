// The seed's end-to-end example runs as written (`npx tsx examples/embed-docs.ts`), locally with
// the default model and against a server, and its Parquet reads back in hyparquet: 1,000 rows,
// `text` and `embedding`, in input order.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { afterAll, describe, expect, test } from 'vitest';
import { readWithHyparquet } from '../io/test-fixtures';
import { createServer } from '../server/create-server';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'embedbook-example-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runExample(args: string[], env: Record<string, string> = {}) {
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  return promisify(execFile)(tsx, [join(root, 'examples', 'embed-docs.ts'), ...args], { cwd: dir, env: { ...process.env, ...env }, timeout: 170_000 });
}

describe('examples/embed-docs.ts', () => {
  test('local default model: 1,000 docs → embeddings.parquet (text + 512-d embedding, in order)', async () => {
    const { stdout } = await runExample([]);
    expect(stdout).toMatch(/deferBatch: 4 rows, 512-d, handle done/);
    expect(stdout).toMatch(/Wrote embeddings\.parquet: 1000 rows × 512-d, 0 failed, 40 chunks/);
    const rows = await readWithHyparquet(new Uint8Array(readFileSync(join(dir, 'embeddings.parquet'))));
    expect(rows.length).toBe(1000);
    expect(Object.keys(rows[0])).toEqual(['text', 'embedding']);
    rows.forEach((r, i) => expect(r.text).toMatch(new RegExp(`^Document ${i}: `)));
    expect((rows[999].embedding as number[]).length).toBe(512);
  }, 180_000);

  test('--remote: the same program against a server', async () => {
    const server = createServer({
      app: Fastify({ forceCloseConnections: true }),
      port: 0,
      apiKey: 'secret',
      workers: 1,
      functions: [{
        definition: { name: 'embed', args: { text: 'string[]' }, output: 'float32[]', maxBatchingSize: 50, maxBufferDuration: 5 },
        bundle: 'export default { async handler(text) { return text.map((t) => [t.length, Number(t.split(" ")[1].slice(0, -1))]); } };',
      }],
    });
    const { url } = await server.listen();
    try {
      const { stdout } = await runExample(['--remote', url, '-o', 'remote.parquet'], { EMBEDBOOK_API_KEY: 'secret' });
      expect(stdout).toMatch(/Wrote remote\.parquet: 1000 rows × 2-d, 0 failed, 40 chunks, \d+ rows\/s \(remote http/);
      const rows = await readWithHyparquet(new Uint8Array(readFileSync(join(dir, 'remote.parquet'))));
      rows.forEach((r, i) => expect(r.embedding).toEqual([(r.text as string).length, i]));
    } finally {
      await server.close();
    }
  }, 120_000);
});
