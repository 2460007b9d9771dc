// Hub ids end to end against a local server in the hub layout (no network): parsing, URL layout,
// revisions, the token sent to the endpoint only (not to the CDN a redirect points at), and the
// error for a private repo.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { LocalRuntime } from '../../client/local-runtime-node';
import { ensureSyntheticBert } from '../bert/generate';
import { checkSpec, hubSource, loadModelFiles } from '../registry';
import { loadNodeModel, modelSpecOf } from '../registry-node';
import { startHubServer, type HubServer } from '../testing/hub-server';
import { hubBaseUrl, hubSettingsFromEnv, parseHubId } from './hub';

describe('hub ids', () => {
  test('org/name[@revision] parse; other strings are not ids', () => {
    expect(parseHubId('Xenova/all-MiniLM-L6-v2')).toEqual({ repo: 'Xenova/all-MiniLM-L6-v2', revision: 'main' });
    expect(parseHubId('BAAI/bge-small-en-v1.5@refs/pr/3')).toEqual({ repo: 'BAAI/bge-small-en-v1.5', revision: 'refs/pr/3' });
    for (const bad of ['minilm', 'a/b/c', '../x/y', 'a/..', '/abs/path', 'a/b@', 'a b/c', 'org/name.git']) expect(parseHubId(bad), bad).toBeUndefined();
    expect(() => checkSpec('Xenova/all-MiniLM-L6-v2')).not.toThrow();
    expect(() => checkSpec({ id: 'org/x', endpoint: 'http://127.0.0.1:9' })).not.toThrow();
    expect(() => checkSpec('minilm')).toThrow(/not a model id: use 'default' or a Hugging Face id 'org\/name'/);
  });

  test('files resolve as {endpoint}/{org}/{name}/resolve/{revision}/{file}', () => {
    expect(hubBaseUrl('https://huggingface.co/', parseHubId('o/n@refs/pr/1')!)).toBe('https://huggingface.co/o/n/resolve/refs%2Fpr%2F1/');
  });

  test('HF_ENDPOINT / HF_TOKEN: default endpoint, trailing slash dropped, a non-URL refused', () => {
    expect(hubSettingsFromEnv({})).toEqual({ endpoint: 'https://huggingface.co' });
    expect(hubSettingsFromEnv({ HF_ENDPOINT: 'http://mirror.local/hf/', HF_TOKEN: ' hf_x ' })).toEqual({ endpoint: 'http://mirror.local/hf', token: 'hf_x' });
    expect(() => hubSettingsFromEnv({ HF_ENDPOINT: 'mirror.local' })).toThrow(/HubEndpointError|not an http\(s\) URL/);
  });

  test('--model / a server function\'s model: an existing folder wins over an id-shaped name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eb-spec-'));
    try {
      expect(modelSpecOf('default')).toBe('default');
      expect(modelSpecOf('Xenova/all-MiniLM-L6-v2')).toBe('Xenova/all-MiniLM-L6-v2');
      expect(modelSpecOf('Xenova/all-MiniLM-L6-v2@v2')).toBe('Xenova/all-MiniLM-L6-v2@v2');
      expect(modelSpecOf('https://x.org/m/')).toEqual({ url: 'https://x.org/m/' });
      expect(modelSpecOf(dir)).toEqual({ folder: dir });
      expect(modelSpecOf('./models/x/y')).toEqual({ folder: './models/x/y' });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('models from a hub mirror', () => {
  let hub: HubServer;
  let tiny: string;
  const env = { ...process.env };
  beforeAll(async () => {
    tiny = ensureSyntheticBert('tiny').dir;
    hub = await startHubServer(
      {
        'test/tiny-bert': { dir: tiny, revisions: ['main', 'v1'] },
        'test/private-bert': { dir: tiny, token: 'hf_secret' },
        'test/two-dtypes': { dir: tiny, files: { 'onnx/model_quantized.onnx': readFileSync(join(tiny, 'onnx/model.onnx')) } },
      },
      { redirectWeights: true },
    );
  });
  afterAll(() => hub?.close());
  let cacheDir: string;
  beforeEach(() => {
    // A fresh model cache per test: no test sees another's downloads.
    cacheDir = mkdtempSync(join(tmpdir(), 'eb-cache-'));
    process.env.EMBEDBOOK_CACHE = cacheDir;
  });
  afterEach(() => {
    process.env = { ...env };
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test('LocalRuntime({ model: "org/name" }) on HF_ENDPOINT embeds exactly like the same folder on disk', async () => {
    process.env.HF_ENDPOINT = hub.endpoint;
    const texts = ['hello world', 'a second, longer sentence about embeddings'];
    const byId = new LocalRuntime({ model: 'test/tiny-bert@v1', device: 'cpu' });
    const byFolder = new LocalRuntime({ model: { folder: tiny }, device: 'cpu' });
    try {
      const [a, b] = await Promise.all([byId.embedTexts(texts), byFolder.embedTexts(texts)]);
      expect(a.values).toEqual(b.values);
      expect((await byId.info()).model).toBe('test/tiny-bert@v1');
      expect(hub.served()).toContain('test/tiny-bert/v1/onnx/model.onnx');
    } finally {
      await Promise.all([byId.dispose(), byFolder.dispose()]);
    }
  });

  test('HF_TOKEN goes to the endpoint only, never to the host a redirect points at', async () => {
    process.env.HF_ENDPOINT = hub.endpoint;
    process.env.HF_TOKEN = 'hf_secret';
    hub.requests.length = 0;
    const m = await loadNodeModel('test/private-bert');
    expect(m.kind).toBe('bert');
    const onHub = hub.requests.filter((r) => r.server === 'hub');
    const onCdn = hub.requests.filter((r) => r.server === 'cdn');
    expect(onHub.length).toBeGreaterThan(2);
    expect(onHub.every((r) => r.authorization === 'Bearer hf_secret')).toBe(true);
    expect(onCdn.map((r) => r.url)).toEqual([`/${encodeURIComponent('test/private-bert/main/onnx/model.onnx')}`]);
    expect(onCdn[0].authorization).toBeUndefined();
  });

  test('a private repo without a token, or with a wrong one, is a ModelAccessError naming the file and HF_TOKEN', async () => {
    process.env.HF_ENDPOINT = hub.endpoint;
    delete process.env.HF_TOKEN;
    await expect(loadNodeModel('test/private-bert')).rejects.toMatchObject({
      name: 'ModelAccessError',
      status: 401,
      message: expect.stringMatching(/\/test\/private-bert\/resolve\/main\/config\.json answered 401: .*set HF_TOKEN/),
    });
    await expect(loadNodeModel({ id: 'test/private-bert', endpoint: hub.endpoint, token: 'hf_wrong' })).rejects.toMatchObject({
      name: 'ModelAccessError',
      status: 403,
      message: expect.stringMatching(/has no access to this repository/),
    });
  });

  test('an unknown revision names the repo and says nothing was found there', async () => {
    await expect(loadNodeModel({ id: 'test/tiny-bert@v9', endpoint: hub.endpoint })).rejects.toMatchObject({
      name: 'ModelSourceError',
      message: expect.stringMatching(/test\/tiny-bert@v9 .*no tokenizer\.json/),
    });
  });

  test('dtype picks the file: fp32 by default in Node, q8 → model_quantized.onnx, a missing pick is an error naming it', async () => {
    const spec = { id: 'test/two-dtypes', endpoint: hub.endpoint };
    expect((await loadNodeModel(spec)).modelFile).toBe('onnx/model.onnx');
    const rt = new LocalRuntime({ model: spec, device: 'cpu', dtype: 'q8' });
    try {
      expect((await rt.info()).model).toBe('test/two-dtypes');
      expect(hub.served()).toContain('test/two-dtypes/main/onnx/model_quantized.onnx');
    } finally {
      await rt.dispose();
    }
    await expect(loadNodeModel(spec, undefined, { dtype: 'fp16' })).rejects.toThrow(/looked for onnx\/model_fp16\.onnx, model_fp16\.onnx — dtype 'fp16' was asked for/);
    expect(() => new LocalRuntime({ model: spec, dtype: 'int3' as never })).toThrow(/dtype "int3" is not one of fp32, fp16, q8, q4/);
  });

  test('the WASM default (q8) falls back to model.onnx when a repo has no quantized file', async () => {
    const source = hubSource({ id: 'test/tiny-bert', endpoint: hub.endpoint }, { endpoint: hub.endpoint });
    expect((await loadModelFiles(source, 'x', undefined, { defaultDtype: 'q8' })).modelFile).toBe('onnx/model.onnx');
    const both = hubSource({ id: 'test/two-dtypes', endpoint: hub.endpoint }, { endpoint: hub.endpoint });
    expect((await loadModelFiles(both, 'x', undefined, { defaultDtype: 'q8' })).modelFile).toBe('onnx/model_quantized.onnx');
  });

  test('a cached model loads with the server stopped (files and known-absent files on disk, no request)', async () => {
    const own = await startHubServer({ 'cache/tiny': { dir: tiny } });
    const spec = { id: 'cache/tiny', endpoint: own.endpoint };
    const texts = ['hello world', 'offline embeddings'];
    const first = new LocalRuntime({ model: spec, device: 'cpu' });
    let online;
    try {
      online = await first.embedTexts(texts);
    } finally {
      await first.dispose();
    }
    const host = new URL(own.endpoint).host.replace(':', '_');
    expect(existsSync(join(cacheDir, 'hub', host, 'cache', 'tiny', 'main', 'onnx', 'model.onnx'))).toBe(true);
    expect(existsSync(join(cacheDir, 'hub', host, 'cache', 'tiny', 'main', 'modules.json.absent'))).toBe(true);
    await own.close();

    const progress: Array<{ file: string; cached?: boolean }> = [];
    const second = new LocalRuntime({ model: spec, device: 'cpu', onProgress: (p) => p.status === 'download' && progress.push(p) });
    try {
      expect((await second.embedTexts(texts)).values).toEqual(online.values);
    } finally {
      await second.dispose();
    }
    expect(progress.map((p) => p.file)).toContain('onnx/model.onnx');
    expect(progress.every((p) => p.cached)).toBe(true);
  });

  test('a model never cached, with the server stopped, names the URL that failed', async () => {
    const gone = await startHubServer({});
    const endpoint = gone.endpoint;
    await gone.close();
    await expect(loadNodeModel({ id: 'cache/never', endpoint })).rejects.toThrow(/cache\/never@main .*fetching http:\/\/127\.0\.0\.1:\d+\/cache\/never\/resolve\/main\/config\.json failed/);
  });
});
