import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, encodeModel, graph, node, tensor, valueInfo } from '../onnx/builder';
import { generateSyntheticBert } from '../bert/generate';
import type { ModelLoadProgress } from '../types';
import { wordPieceFromModelFiles } from '../bert';
import { loadModelFromFolder } from './node-folder-source';
import { ModelDownloadError, ModelFilesMissingError, ModelFormatError, ModelSignatureError } from './errors';
import { loadModelFromFiles } from './file-list-source';
import { inspectOnnx, type ModelFiles } from './model-files';
import { loadModelFromUrl } from './url-source';

let root: string;
let tiny: string;

/** A valid ONNX graph whose inputs are not a BERT layout. */
function wrongInputsModel(): Uint8Array {
  return encodeModel(
    graph({
      name: 'g',
      inputs: [valueInfo('indices', DataType.INT64, ['n', 2]), valueInfo('values', DataType.INT64, ['n'])],
      outputs: [valueInfo('out', DataType.INT64, ['n'])],
      initializers: [tensor('unused', [1], new Float32Array([1]))],
      nodes: [node('Identity', ['values'], ['out'])],
    }),
  );
}

/** Copies the tiny model folder, then applies edits (null deletes a file). */
function variantFolder(name: string, edits: Record<string, Uint8Array | string | null>): string {
  const dir = join(root, name);
  for (const f of ['onnx/model.onnx', 'tokenizer.json', 'config.json', 'tokenizer_config.json']) {
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    copyFileSync(join(tiny, f), join(dir, f));
  }
  for (const [f, v] of Object.entries(edits)) {
    if (v === null) rmSync(join(dir, f));
    else writeFileSync(join(dir, f), v);
  }
  return dir;
}

function expectTiny(m: ModelFiles): void {
  expect(m.modelFile).toMatch(/model\.onnx$/);
  expect(m.modelBytes.byteLength).toBe(readFileSync(join(tiny, 'onnx/model.onnx')).byteLength);
  expect(m.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
  expect(m.outputNames).toEqual(['last_hidden_state']);
  expect((m.tokenizerJson as { model: { type: string } }).model.type).toBe('WordPiece');
  expect((m.config as { hidden_size: number }).hidden_size).toBe(32);
  expect((m.tokenizerConfig as { model_max_length: number }).model_max_length).toBe(512);
  const tok = wordPieceFromModelFiles(m);
  expect(tok.maxLength).toBe(512);
  expect(Array.from(tok.encode('i like strawberries').ids)).toEqual([101, 1045, 2066, 13137, 20968, 102]);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'embedbook-sources-'));
  tiny = generateSyntheticBert('tiny', join(root, 'tiny')).dir;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loadModelFromFolder', () => {
  it('loads the HF layout and reports bytes read', async () => {
    const events: ModelLoadProgress[] = [];
    expectTiny(await loadModelFromFolder(tiny, { onProgress: (p) => events.push(p) }));
    expect(events.map((e) => (e.status === 'download' ? e.file : '')).sort()).toEqual(
      ['config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'],
    );
  });

  it('accepts a quantised-only folder and a missing tokenizer_config.json', async () => {
    const dir = variantFolder('quant', { 'onnx/model.onnx': null, 'tokenizer_config.json': null });
    copyFileSync(join(tiny, 'onnx/model.onnx'), join(dir, 'onnx/model_quantized.onnx'));
    const m = await loadModelFromFolder(dir);
    expect(m.modelFile).toBe('onnx/model_quantized.onnx');
    expect(m.tokenizerConfig).toBeUndefined();
    await expect(loadModelFromFolder(dir, { variant: 'fp32' })).rejects.toThrow(/missing onnx\/model\.onnx/);
  });

  it('lists what was found and what is expected when files are missing', async () => {
    const dir = variantFolder('missing', { 'tokenizer.json': null, 'onnx/model.onnx': null });
    const err = await loadModelFromFolder(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFilesMissingError);
    expect((err as ModelFilesMissingError).missing).toEqual(['onnx/model.onnx', 'tokenizer.json']);
    expect((err as Error).message).toMatch(/Found: config\.json, tokenizer_config\.json\. Expected a Hugging Face model layout: onnx\/model\.onnx/);
    await expect(loadModelFromFolder(join(root, 'nope'))).rejects.toThrow(/does not exist or is not a folder/);
  });

  it('rejects a model file that is not ONNX, naming what it looks like', async () => {
    const lfs = variantFolder('lfs', { 'onnx/model.onnx': 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 90000000\n' });
    await expect(loadModelFromFolder(lfs)).rejects.toThrow(/model\.onnx is not an ONNX model: it looks like a Git LFS pointer/);
    const html = variantFolder('html', { 'onnx/model.onnx': '<!DOCTYPE html><html><body>Sign in</body></html>' });
    await expect(loadModelFromFolder(html)).rejects.toThrow(ModelFormatError);
    const noise = new Uint8Array(4096);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const junk = variantFolder('junk', { 'onnx/model.onnx': noise });
    await expect(loadModelFromFolder(junk)).rejects.toThrow(/is not an ONNX model/);
  });

  it('rejects a graph whose inputs are not a BERT layout, naming them', async () => {
    const dir = variantFolder('wrong-inputs', { 'onnx/model.onnx': wrongInputsModel() });
    const err = await loadModelFromFolder(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelSignatureError);
    expect((err as ModelSignatureError).inputNames).toEqual(['indices', 'values']);
    expect((err as Error).message).toMatch(/inputs \[indices, values\], which lacks input_ids, attention_mask and has unexpected indices, values/);
  });

  it('rejects tokenizer.json that is not JSON', async () => {
    const dir = variantFolder('bad-json', { 'tokenizer.json': '<html>404</html>' });
    await expect(loadModelFromFolder(dir)).rejects.toThrow(/tokenizer\.json is not valid JSON \(it looks like an HTML page\)/);
  });

  it('accepts a BERT graph without token_type_ids', () => {
    const m = encodeModel(
      graph({
        name: 'g',
        inputs: [valueInfo('input_ids', DataType.INT64, ['b', 's']), valueInfo('attention_mask', DataType.INT64, ['b', 's'])],
        outputs: [valueInfo('last_hidden_state', DataType.INT64, ['b', 's'])],
        initializers: [],
        nodes: [node('Add', ['input_ids', 'attention_mask'], ['last_hidden_state'])],
      }),
    );
    expect(inspectOnnx(m, 'x.onnx').inputNames).toEqual(['input_ids', 'attention_mask']);
  });
});

describe('loadModelFromUrl over a real local HTTP server', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
      hits.push(path);
      if (path.startsWith('/boom/')) {
        res.writeHead(500, 'Internal Server Error').end();
        return;
      }
      const m = /^\/([^/]+)\/(.+)$/.exec(path);
      try {
        const bytes = readFileSync(join(root, m![1], m![2]));
        res.writeHead(200, { 'content-length': bytes.byteLength, 'content-type': 'application/octet-stream' });
        // Several writes so the client sees several chunks.
        const step = 64 * 1024;
        for (let i = 0; i < bytes.byteLength; i += step) res.write(bytes.subarray(i, i + step));
        res.end();
      } catch {
        res.writeHead(404).end('Entry not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('downloads the file set and reports monotonic byte progress per file', async () => {
    const events: ModelLoadProgress[] = [];
    const m = await loadModelFromUrl(`${base}/tiny/`, { onProgress: (p) => events.push(p) });
    expectTiny(m);
    const model = events.filter((e): e is Extract<ModelLoadProgress, { status: 'download' }> => e.status === 'download' && e.file === 'onnx/model.onnx');
    expect(model.length).toBeGreaterThan(2);
    const size = m.modelBytes.byteLength;
    expect(model.every((e) => e.total === size)).toBe(true);
    for (let i = 1; i < model.length; i++) expect(model[i].loaded).toBeGreaterThanOrEqual(model[i - 1].loaded);
    expect(model[model.length - 1].loaded).toBe(size);
  });

  it('falls back to the quantised file and uses the injected fetch', async () => {
    const dir = variantFolder('quant-url', { 'onnx/model.onnx': null });
    copyFileSync(join(tiny, 'onnx/model.onnx'), join(dir, 'onnx/model_quantized.onnx'));
    const seen: string[] = [];
    const m = await loadModelFromUrl(`${base}/quant-url`, {
      fetch: (u, i) => {
        seen.push(u.slice(base.length));
        return fetch(u, i);
      },
    });
    expect(m.modelFile).toBe('onnx/model_quantized.onnx');
    expect(seen).toEqual(
      expect.arrayContaining(['/quant-url/tokenizer.json', '/quant-url/onnx/model.onnx', '/quant-url/model.onnx', '/quant-url/onnx/model_quantized.onnx']),
    );
  });

  it('names missing files and the URL', async () => {
    const err = await loadModelFromUrl(`${base}/does-not-exist`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFilesMissingError);
    expect((err as Error).message).toContain(`${base}/does-not-exist: missing tokenizer.json, config.json. Found: nothing.`);
    const noModel = variantFolder('no-model-url', { 'onnx/model.onnx': null });
    expect(noModel).toBeTruthy();
    await expect(loadModelFromUrl(`${base}/no-model-url`)).rejects.toThrow(/missing a model file \(tried onnx\/model\.onnx, model\.onnx, onnx\/model_quantized\.onnx, model_quantized\.onnx\)/);
  });

  it('reports HTTP errors other than 404 with the status', async () => {
    const err = await loadModelFromUrl(`${base}/boom`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelDownloadError);
    expect((err as ModelDownloadError).status).toBe(500);
    expect((err as Error).message).toMatch(/HTTP 500/);
  });

  it('reports an unreachable host as a download error', async () => {
    const err = await loadModelFromUrl('http://127.0.0.1:1/m').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelDownloadError);
    expect((err as Error).message).toMatch(/could not fetch http:\/\/127\.0\.0\.1:1\/m\/tokenizer\.json/);
  });
});

describe('loadModelFromFiles (browser File objects)', () => {
  const file = (dir: string, rel: string, name = rel.split('/').pop()!): File =>
    new File([readFileSync(join(dir, rel))], name);

  it('matches dropped files by name', async () => {
    const files = ['onnx/model.onnx', 'tokenizer.json', 'config.json', 'tokenizer_config.json'].map((f) => file(tiny, f));
    const events: ModelLoadProgress[] = [];
    expectTiny(await loadModelFromFiles(files, { onProgress: (p) => events.push(p) }));
    expect(events.length).toBe(4);
  });

  it('accepts a single differently named .onnx file', async () => {
    const files = [file(tiny, 'onnx/model.onnx', 'all-MiniLM-L6-v2.onnx'), file(tiny, 'tokenizer.json'), file(tiny, 'config.json')];
    const m = await loadModelFromFiles(files);
    expect(m.modelFile).toBe('all-MiniLM-L6-v2.onnx');
    expect(m.tokenizerConfig).toBeUndefined();
  });

  it('lists the dropped files when something is missing', async () => {
    const err = await loadModelFromFiles([file(tiny, 'config.json'), new File(['x'], 'notes.txt')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFilesMissingError);
    expect((err as Error).message).toMatch(/dropped files: missing model\.onnx, tokenizer\.json\. Found: config\.json, notes\.txt\./);
  });

  it('rejects ambiguous .onnx drops and non-ONNX model files', async () => {
    const two = [new File(['a'], 'a.onnx'), new File(['b'], 'b.onnx'), file(tiny, 'tokenizer.json'), file(tiny, 'config.json')];
    await expect(loadModelFromFiles(two)).rejects.toThrow(/several \.onnx files \(a\.onnx, b\.onnx\)/);
    const json = [new File(['{"a": 1, "padding": "to be long enough"}'], 'model.onnx'), file(tiny, 'tokenizer.json'), file(tiny, 'config.json')];
    await expect(loadModelFromFiles(json)).rejects.toThrow(/model\.onnx is not an ONNX model: it looks like a JSON document/);
  });
});
