// `embedbook embed --model org/name --prompt query --dtype fp32` against a local hub mirror
// (HF_ENDPOINT), with the byte progress of the downloads on stderr, then again from the cache.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { LocalRuntime } from '../client/local-runtime-node';
import { readWithHyparquet } from '../io/test-fixtures';
import { ensureSyntheticBert } from '../model/bert/generate';
import { startHubServer, type HubServer } from '../model/testing/hub-server';
import { main, type CliIO } from './main';

const dir = mkdtempSync(join(tmpdir(), 'embedbook-cli-id-'));
const env = { ...process.env };
let hub: HubServer;
beforeAll(async () => {
  hub = await startHubServer({
    'cli/tiny-bert': { dir: ensureSyntheticBert('tiny').dir, files: { 'config_sentence_transformers.json': JSON.stringify({ prompts: { query: 'query: ' } }) } },
  });
  process.env.HF_ENDPOINT = hub.endpoint;
  process.env.EMBEDBOOK_CACHE = join(dir, 'cache');
});
afterAll(async () => {
  process.env = env;
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

const io = (): CliIO => ({ isTTY: false, stdout: () => {}, stderr: () => {} }) as unknown as CliIO;

test('--model org/name downloads with progress, embeds like LocalRuntime, and the second run needs no download', async () => {
  const texts = ['first document', 'a second one that is a little longer', 'third'];
  const input = join(dir, 'in.csv');
  writeFileSync(input, `text\n${texts.join('\n')}\n`);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  let progress: string;
  try {
    expect(await main(['embed', input, '--model', 'cli/tiny-bert', '--prompt', 'query', '--dtype', 'fp32', '-o', join(dir, 'a.parquet'), '-q'], io())).toBe(0);
    progress = stderr.mock.calls.map((c) => String(c[0])).join('');
    stderr.mockClear();
    expect(await main(['embed', input, '--model', 'cli/tiny-bert', '--prompt', 'query', '-o', join(dir, 'b.parquet'), '-q'], io())).toBe(0);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).not.toMatch(/downloading/);
  } finally {
    stderr.mockRestore();
  }
  expect(progress).toMatch(/model: downloading onnx\/model\.onnx 0\.0 \/ 4\.\d MB \(0%\)\n/);
  expect(progress).toMatch(/model: downloading onnx\/model\.onnx 4\.\d \/ 4\.\d MB \(100%\)\n/);
  expect(hub.served().filter((f) => f.endsWith('model.onnx'))).toEqual(['cli/tiny-bert/main/onnx/model.onnx']);

  const a = await readWithHyparquet(new Uint8Array(readFileSync(join(dir, 'a.parquet'))));
  const b = await readWithHyparquet(new Uint8Array(readFileSync(join(dir, 'b.parquet'))));
  const rt = new LocalRuntime({ model: { folder: ensureSyntheticBert('tiny').dir }, device: 'cpu' });
  try {
    const ref = await rt.embedTexts(texts.map((t) => `query: ${t}`));
    const rows = a as Array<{ embedding: number[] }>;
    rows.forEach((r, i) => r.embedding.forEach((x, d) => expect(Math.abs(x - ref.values[i]![d])).toBeLessThan(1e-6)));
    expect(b).toEqual(a);
  } finally {
    await rt.dispose();
  }
});
