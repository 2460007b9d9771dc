// A BERT-family model from dropped files (model.onnx, tokenizer.json, config.json): the app loads
// it in the worker, runs it, and its embeddings equal the Node backend's on the same folder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { LocalRuntime } from '../src/client/local-runtime-node';
import { ensureSyntheticBert } from '../src/model/bert/generate';
import { launchChromium } from './browser';
import { downloadParquet, maxAbsDiff, openApp, setChunking, waitRunDone } from './fixtures/app';
import { makeRows, toCsv } from './fixtures/datasets';
import { dropFile, dropFiles, utf8 } from './fixtures/drop';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

test('BERT from dropped files runs locally and matches onnxruntime-node', async () => {
  const { dir } = ensureSyntheticBert('tiny');
  const rows = makeRows(30, 11).filter((r) => r.text !== '');
  const { page, errors } = await openApp(browser, inject('appUrl'));
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'bert.csv', bytes: utf8(toCsv(rows)) });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent().catch(() => '')).toBe(String(rows.length));

  await page.getByTestId('model-kind-files').click();
  await dropFiles(
    page,
    '[data-testid=model-drop]',
    ['onnx/model.onnx', 'tokenizer.json', 'config.json'].map((p) => ({ name: p.split('/').pop() as string, bytes: readFileSync(join(dir, p)) })),
  );
  await expect.poll(() => page.getByTestId('model-drop').textContent()).toContain('model.onnx, tokenizer.json, config.json');
  await setChunking(page, { numChunks: 3, concurrent: 1 });
  await page.getByTestId('run-start').click();
  await waitRunDone(page, 240_000, 3);
  expect(await page.getByTestId('run-backend').textContent()).toMatch(/Local · WASM · .*files/);

  const { rows: out } = await downloadParquet(page);
  expect(out.map((r) => r.id)).toEqual(rows.map((r) => r.id));
  const rt = new LocalRuntime({ model: { folder: dir }, device: 'cpu' });
  try {
    const ref = await rt.embedTexts(rows.map((r) => r.text));
    const dim = ref.values[0]!.length;
    expect(await page.getByTestId('results-dim').textContent()).toBe(String(dim));
    let worst = 0;
    out.forEach((r, i) => (worst = Math.max(worst, maxAbsDiff(r.embedding as number[], ref.values[i] as Float32Array))));
    expect(worst).toBeLessThan(1e-4);
  } finally {
    await rt.dispose();
  }
  expect(errors).toEqual([]);
});
