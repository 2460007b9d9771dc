// Picking a model by Hugging Face id in the app, from a local hub mirror (the page's endpoint set
// to it with ?hf_endpoint=, HF_ENDPOINT in Node): the picker shows the repo's size, dimension and
// licence before the download, the worker downloads and runs it, and the embeddings equal
// onnxruntime-node's for the same id. A repo that keeps its weights in onnx/model.onnx_data
// (external data) runs too, and a second load is served from Cache Storage with the mirror stopped.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { LocalRuntime } from '../src/client/local-runtime-node';
import { ensureSyntheticBert } from '../src/model/bert/generate';
import { saveWithExternalData } from '../src/model/onnx/external-data';
import { startHubServer, type HubServer } from '../src/model/testing/hub-server';
import { launchChromium } from './browser';
import { downloadParquet, maxAbsDiff, openApp, setChunking, waitRunDone } from './fixtures/app';
import { makeRows, toCsv } from './fixtures/datasets';
import { dropFile, utf8 } from './fixtures/drop';

let browser: Browser;
let hub: HubServer;
beforeAll(async () => {
  browser = await launchChromium();
  const { dir } = ensureSyntheticBert('tiny');
  hub = await startHubServer({
    'mirror/tiny-bert': {
      dir,
      files: {
        'README.md': '---\nlicense: apache-2.0\nlibrary_name: sentence-transformers\n---\n# tiny\n',
        'modules.json': JSON.stringify([
          { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
          { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
          { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
        ]),
        '1_Pooling/config.json': JSON.stringify({ word_embedding_dimension: 32, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }),
        'config_sentence_transformers.json': JSON.stringify({ prompts: { query: 'query: ', passage: 'passage: ' }, default_prompt_name: null }),
      },
    },
  });
});
afterAll(async () => {
  await browser?.close();
  await hub?.close();
});

test('a model picked by id from a hub mirror runs in the browser and matches onnxruntime-node', async () => {
  const rows = makeRows(24, 5).filter((r) => r.text !== '');
  const { page, errors } = await openApp(browser, `${inject('appUrl')}/?hf_endpoint=${encodeURIComponent(hub.endpoint)}`);
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'hub.csv', bytes: utf8(toCsv(rows)) });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent().catch(() => '')).toBe(String(rows.length));

  await page.getByTestId('model-kind-hub').click();
  expect(await page.getByTestId('model-hub-endpoint').inputValue()).toBe(hub.endpoint);
  await page.getByTestId('model-hub-id').fill('mirror/tiny-bert');
  // Size, dimension and licence come from the repo before the model is downloaded.
  await expect.poll(() => page.getByTestId('model-hub-info').textContent(), { timeout: 20_000 }).toMatch(/onnx\/model\.onnx · 4\.\d MB · 32 dimensions · licence apache-2\.0 · BertModel · prompts: query, passage/);
  expect(hub.served()).not.toContain('mirror/tiny-bert/main/onnx/model.onnx');
  await page.getByTestId('model-hub-prompt').selectOption('query');

  await setChunking(page, { numChunks: 2, concurrent: 1 });
  await page.getByTestId('run-start').click();
  await waitRunDone(page, 240_000, 2);
  expect(await page.getByTestId('run-backend').textContent()).toMatch(/Local · WASM · mirror\/tiny-bert, 32-d/);
  expect(hub.served()).toContain('mirror/tiny-bert/main/onnx/model.onnx');

  const { rows: out } = await downloadParquet(page);
  expect(out.map((r) => r.id)).toEqual(rows.map((r) => r.id));
  const env = { ...process.env };
  process.env.HF_ENDPOINT = hub.endpoint;
  process.env.EMBEDBOOK_CACHE = mkdtempSync(join(tmpdir(), 'eb-e2e-cache-'));
  const rt = new LocalRuntime({ model: 'mirror/tiny-bert', device: 'cpu', prompt: 'query' });
  try {
    const ref = await rt.embedTexts(rows.map((r) => r.text));
    let worst = 0;
    out.forEach((r, i) => (worst = Math.max(worst, maxAbsDiff(r.embedding as number[], ref.values[i] as Float32Array))));
    expect(worst).toBeLessThan(1e-4);
  } finally {
    await rt.dispose();
    process.env = env;
  }
  // Chromium logs every 4xx fetch: 404 for the optional files a repo lacks (how the hub layout
  // works) and 401 for the picker's first suggestion, which this mirror does not hold.
  expect(errors.filter((e) => !/Failed to load resource: the server responded with a status of 40[14]/.test(e))).toEqual([]);
});

test('external weights (onnx/model.onnx_data) by id; a second load comes from Cache Storage with the mirror stopped', async () => {
  const rows = makeRows(16, 9).filter((r) => r.text !== '');
  const { dir } = ensureSyntheticBert('tiny');
  const { model, data } = saveWithExternalData(readFileSync(join(dir, 'onnx/model.onnx')), 'model.onnx_data');
  const text = (f: string) => readFileSync(join(dir, f), 'utf8');
  const mirror = await startHubServer(
    { 'mirror/tiny-bert-ext': { files: { 'config.json': text('config.json'), 'tokenizer.json': text('tokenizer.json'), 'onnx/model.onnx': model, 'onnx/model.onnx_data': data } } },
    { redirectWeights: true },
  );
  const endpoint = mirror.endpoint;
  let stopped = false;
  try {
    const { page, errors } = await openApp(browser, `${inject('appUrl')}/?hf_endpoint=${encodeURIComponent(endpoint)}`);
    const runOnce = async (): Promise<number[][]> => {
      await dropFile(page, '[data-testid=cell-dataset]', { name: 'ext.csv', bytes: utf8(toCsv(rows)) });
      await expect.poll(() => page.getByTestId('dataset-rows').textContent().catch(() => '')).toBe(String(rows.length));
      await page.getByTestId('model-kind-hub').click();
      await page.getByTestId('model-hub-endpoint').fill(endpoint);
      await page.getByTestId('model-hub-id').fill('mirror/tiny-bert-ext');
      await page.getByTestId('model-hub-dtype').selectOption('fp32');
      await setChunking(page, { numChunks: 2, concurrent: 1 });
      await page.getByTestId('run-start').click();
      await waitRunDone(page, 240_000, 2);
      expect(await page.getByTestId('run-backend').textContent()).toMatch(/Local · WASM · mirror\/tiny-bert-ext, 32-d/);
      const { rows: out } = await downloadParquet(page);
      expect(out.map((r) => r.id)).toEqual(rows.map((r) => r.id));
      return out.map((r) => r.embedding as number[]);
    };

    // The picker counts the side file in the size it shows before the download.
    const first = runOnce();
    await expect.poll(() => page.getByTestId('model-hub-info').textContent(), { timeout: 20_000 }).toMatch(/onnx\/model\.onnx \+ model\.onnx_data · 4\.\d MB · 32 dimensions/);
    const online = await first;
    expect(mirror.served()).toEqual(expect.arrayContaining(['mirror/tiny-bert-ext/main/onnx/model.onnx', 'mirror/tiny-bert-ext/main/onnx/model.onnx_data']));

    // The same id in onnxruntime-node (external data there too) gives the same vectors.
    const env = { ...process.env };
    process.env.EMBEDBOOK_CACHE = mkdtempSync(join(tmpdir(), 'eb-e2e-cache-'));
    const rt = new LocalRuntime({ model: { id: 'mirror/tiny-bert-ext', endpoint }, device: 'cpu', dtype: 'fp32' });
    try {
      const ref = await rt.embedTexts(rows.map((r) => r.text));
      let worst = 0;
      online.forEach((v, i) => (worst = Math.max(worst, maxAbsDiff(v, ref.values[i] as Float32Array))));
      expect(worst).toBeLessThan(1e-4);
    } finally {
      await rt.dispose();
      process.env = env;
    }

    // Cache Storage holds each file under its URL: endpoint + id + revision + file.
    const keys = await page.evaluate(async () => (await (await caches.open('embedbook-models')).keys()).map((r) => r.url));
    for (const file of ['onnx/model.onnx', 'onnx/model.onnx_data', 'tokenizer.json', 'config.json']) {
      expect(keys).toContain(`${endpoint}/mirror/tiny-bert-ext/resolve/main/${file}`);
    }

    // Offline: the mirror is gone; a reload (a fresh worker) loads the model from the cache only.
    await mirror.close();
    stopped = true;
    await page.reload();
    await page.locator('h1').waitFor();
    const offline = await runOnce();
    let drift = 0;
    offline.forEach((v, i) => (drift = Math.max(drift, maxAbsDiff(v, online[i]))));
    expect(drift).toBe(0);
    // 404s for files the repo lacks (online), refused connections for the picker's info (offline).
    expect(errors.filter((e) => !/Failed to load resource: (the server responded with a status of 40[14]|net::ERR_CONNECTION_REFUSED)/.test(e))).toEqual([]);
  } finally {
    if (!stopped) await mirror.close();
  }
});
