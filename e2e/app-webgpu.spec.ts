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

test('a WebGPU session that fails to create falls back to WASM, and the cell says why', { timeout: 600_000 }, async () => {
  const rows = makeRows(12, 4).filter((r) => r.text !== '');
  const { page, errors } = await openApp(browser, inject('appUrl'));
  await page.getByTestId('device-webgpu').click();
  await expect.poll(() => page.getByTestId('device-info').textContent(), { timeout: 30_000 }).toMatch(/WebGPU — WebGPU adapter/);
  // Fault injection: the adapter is found (the app's own check passes), but every GPUDevice
  // request in the app's workers fails — as a driver that refuses the limits onnxruntime asks for.
  await expect.poll(() => page.workers().length, { timeout: 30_000 }).toBeGreaterThan(0);
  for (const w of page.workers()) {
    await w.evaluate(() => {
      const proto = (globalThis as unknown as { GPUAdapter?: { prototype: { requestDevice: unknown } } }).GPUAdapter?.prototype;
      if (proto) proto.requestDevice = () => Promise.reject(new Error('injected: requestDevice refused'));
    });
  }
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'fallback.csv', bytes: utf8(toCsv(rows)) });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent().catch(() => '')).toBe(String(rows.length));
  await setChunking(page, { numChunks: 2, concurrent: 1, timeout: '' });
  await page.getByTestId('run-start').click();
  await waitRunDone(page, 540_000, 2);
  expect(await page.getByTestId('device-actual').textContent()).toBe('wasm');
  const info = await page.getByTestId('device-info').textContent();
  console.log(`WebGPU fallback: ${info}`);
  expect(info).toMatch(/WebGPU requested, but its session failed \(.*requestDevice refused\); fell back to WASM SIMD, \d threads?/);
  expect(info).not.toMatch(/not a loadable ONNX model/);
  expect(await page.getByTestId('run-backend').textContent()).toMatch(/Local · WASM/);
  const { rows: out } = await downloadParquet(page);
  expect(out.map((r) => r.id)).toEqual(rows.map((r) => r.id));
  expect(out.every((r) => Array.isArray(r.embedding) && r.embedding.length === 512)).toBe(true);
  // onnxruntime logs the failed device request itself; nothing else may appear.
  expect(errors.filter((e) => !/requestDevice refused/.test(e))).toEqual([]);
});
