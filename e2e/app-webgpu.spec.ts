// (e) The WebGPU path once: Chromium with --enable-unsafe-webgpu gets a SwiftShader adapter, the
// Function cell set to WebGPU, a short local run, and the app reports that WebGPU actually ran.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { downloadParquet, openApp, setChunking, waitRunDone } from './fixtures/app';
import { makeRows, toCsv } from './fixtures/datasets';
import { dropFile, utf8 } from './fixtures/drop';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium({ webgpu: true });
});
afterAll(async () => {
  await browser?.close();
});

test('a short local run on WebGPU (SwiftShader) reports webgpu and writes every row', { timeout: 600_000 }, async () => {
  const rows = makeRows(24, 3).filter((r) => r.text !== '');
  const { page, errors } = await openApp(browser, inject('appUrl'));
  await page.getByTestId('device-webgpu').click();
  await expect.poll(() => page.getByTestId('device-info').textContent(), { timeout: 30_000 }).toMatch(/WebGPU — WebGPU adapter/);
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'gpu.csv', bytes: utf8(toCsv(rows)) });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent().catch(() => '')).toBe(String(rows.length));
  await setChunking(page, { numChunks: 2, concurrent: 1, timeout: '' });
  await page.getByTestId('run-start').click();
  await waitRunDone(page, 540_000, 2);
  expect(await page.getByTestId('device-actual').textContent()).toBe('webgpu');
  expect(await page.getByTestId('device-info').textContent()).toMatch(/WebGPU requested, adapter found/);
  const { rows: out } = await downloadParquet(page);
  expect(out.map((r) => r.id)).toEqual(rows.map((r) => r.id));
  expect(out.every((r) => Array.isArray(r.embedding) && r.embedding.length === 512)).toBe(true);
  expect(errors).toEqual([]);
});
