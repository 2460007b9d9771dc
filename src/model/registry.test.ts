import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bertTokenizerJson } from './bert/tokenizer-json';
import { buildTinyModel } from './pipeline/test-models';
import { checkSpec, filesSource, loadModelFiles, urlSource } from './registry';
import type { ModelLoadProgress } from './types';

const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world'];
const files: Record<string, Uint8Array> = {
  'my-model/onnx/model.onnx': buildTinyModel({ vocab: vocab.length }),
  'my-model/tokenizer.json': new TextEncoder().encode(JSON.stringify(bertTokenizerJson(vocab))),
};

describe('filesSource (dropped files)', () => {
  test('finds files under the dropped top folder and loads a BERT layout', async () => {
    const m = await loadModelFiles(filesSource(files), 'files');
    expect(m).toMatchObject({ kind: 'bert', modelFile: 'onnx/model.onnx', name: 'files' });
    expect(Array.from(m.tokenizer.encode('hello world').ids)).toEqual([2, 5, 6, 3]);
  });

  test('Blob entries are read too; a folder without a model lists where it looked', async () => {
    const blobs = { 'tokenizer.json': new Blob([files['my-model/tokenizer.json'] as BlobPart]) };
    await expect(loadModelFiles(filesSource(blobs), 'files')).rejects.toMatchObject({
      name: 'ModelSourceError',
      message: expect.stringContaining('looked for onnx/model.onnx, model.onnx, onnx/model_quantized.onnx, model_quantized.onnx, onnx/model_fp16.onnx'),
    });
  });

  test('bad JSON names the file', async () => {
    const bad = { ...files, 'my-model/tokenizer.json': new TextEncoder().encode('{oops') };
    await expect(loadModelFiles(filesSource(bad), 'files')).rejects.toThrow(/tokenizer\.json is not valid JSON/);
  });
});

describe('urlSource (HTTP)', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url!.replace(/^\/models\//, 'my-model/');
      if (req.url === '/broken/config.json') return void res.writeHead(500).end('boom');
      const body = files[path];
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Length': body.byteLength }).end(Buffer.from(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('loads a model folder by URL, reporting download progress in bytes', async () => {
    const progress: ModelLoadProgress[] = [];
    const m = await loadModelFiles(urlSource(`${base}/models`), 'url', (p) => progress.push(p));
    expect(m.kind).toBe('bert');
    const last = progress.filter((p) => p.status === 'download').at(-1);
    expect(last).toMatchObject({ file: 'onnx/model.onnx', loaded: files['my-model/onnx/model.onnx'].byteLength, total: files['my-model/onnx/model.onnx'].byteLength });
  });

  test('HTTP errors other than 404 are named with the URL and status', async () => {
    await expect(loadModelFiles(urlSource(`${base}/broken/`), 'url')).rejects.toMatchObject({
      name: 'ModelSourceError',
      message: expect.stringMatching(/GET http:\/\/127\.0\.0\.1:\d+\/broken\/config\.json answered 500/),
    });
  });

  test('an unreachable host is a clear error', async () => {
    await expect(loadModelFiles(urlSource('http://127.0.0.1:1/'), 'url')).rejects.toThrow(/fetching http:\/\/127\.0\.0\.1:1\/config\.json failed/);
  });
});

test('checkSpec accepts the supported shapes and rejects others', () => {
  for (const ok of ['default', 'org/name', { id: 'org/name@v1' }, { url: 'x' }, { folder: 'x' }, { files: [] }]) expect(() => checkSpec(ok)).not.toThrow();
  for (const bad of [null, 3, {}, { url: 3 }]) expect(() => checkSpec(bad)).toThrow(/unsupported model spec/);
});
