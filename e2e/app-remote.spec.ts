// (b) Parquet input + the remote backend against a real queue server (createServer, as
// `embedbook serve` runs it, with an API key): with chunk_size, with num_chunks, cancel + resume,
// and a reload mid-run + resume from IndexedDB — nothing lost or duplicated, rows in input order,
// embeddings equal to the Node backend's. Also: a wrong API key → clear message in the Function cell.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createServer, type EmbedbookServer } from '../src/server';
import { launchChromium } from './browser';
import { downloadParquet, fill, maxAbsDiff, openApp, setChunking, useRemote, waitRunDone, type ParquetRow } from './fixtures/app';
import { makeRows, toParquet, type Row } from './fixtures/datasets';
import { dropFile } from './fixtures/drop';
import { nodeEmbeddings } from './fixtures/node-reference';

const KEY = 'e2e-secret-key';
const ROWS = 300;
let browser: Browser;
let server: EmbedbookServer;
let apiUrl: string;
let parquet: Uint8Array;
let rows: Row[];
let reference: Array<Float32Array | null>;

beforeAll(async () => {
  const appOrigin = new URL(inject('appUrl')).origin;
  server = createServer({
    port: 0,
    apiKey: KEY,
    corsOrigins: [appOrigin],
    workers: 1,
    functions: [{ definition: { name: 'embed', model: 'default', maxBatchingSize: 32, maxBufferDuration: 50 } }],
  });
  apiUrl = (await server.listen()).url;
  rows = makeRows(ROWS, 7);
  parquet = await toParquet(rows);
  reference = await nodeEmbeddings(rows.map((r) => r.text));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function loadParquet(page: Page): Promise<void> {
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'docs.parquet', bytes: parquet });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent(), { timeout: 60_000 }).toBe(String(ROWS));
}

/** Every input row exactly once, in order, ok, with the Node backend's embedding. */
function checkOutput(out: ParquetRow[]): void {
  expect(out.map((r) => r.id)).toEqual(rows.map((r) => r.id));
  expect(out.map((r) => r.text)).toEqual(rows.map((r) => r.text));
  expect(Object.keys(out[0])).toEqual(['id', 'text', 'group', 'embedding']); // no failures → no status column
  let worst = 0;
  out.forEach((r, i) => (worst = Math.max(worst, maxAbsDiff(r.embedding as number[], reference[i] as Float32Array))));
  expect(worst).toBeLessThan(1e-4);
}

test('Parquet → remote backend with chunk_size, then num_chunks: ordered output equal to Node', async () => {
  const { page, errors } = await openApp(browser, inject('appUrl'));
  await loadParquet(page);
  await useRemote(page, apiUrl, KEY);
  expect(await page.getByTestId('remote-functions').textContent()).toContain('embed');

  await setChunking(page, { chunkSize: 40, concurrent: 3 });
  await page.getByTestId('run-start').click();
  await waitRunDone(page, 240_000, 8);
  expect(await page.getByTestId('run-backend').textContent()).toContain('Remote');
  checkOutput((await downloadParquet(page)).rows);

  await setChunking(page, { numChunks: 7, concurrent: 2 });
  expect(await page.getByTestId('chunk-count').textContent()).toBe('7');
  await page.getByTestId('run-start').click();
  await waitRunDone(page, 240_000, 7);
  checkOutput((await downloadParquet(page)).rows);
  expect(errors).toEqual([]);
});

test('cancel mid-run, then resume: the job completes with nothing lost or duplicated', async () => {
  const { page, errors } = await openApp(browser, inject('appUrl'));
  await loadParquet(page);
  await useRemote(page, apiUrl, KEY);
  await setChunking(page, { chunkSize: 10, concurrent: 1 });
  await page.getByTestId('run-start').click();
  await page.locator('[data-testid=count-done]').waitFor({ timeout: 120_000 });
  await expect.poll(async () => parseInt((await page.getByTestId('count-done').textContent()) ?? '0', 10), { timeout: 120_000 }).toBeGreaterThanOrEqual(3);
  await page.getByTestId('run-cancel').click();
  await page.locator('[data-testid=cell-run-state]:text-is("Cancelled")').waitFor({ timeout: 60_000 });
  expect(await page.getByTestId('count-cancelled').count()).toBe(1);

  const resume = page.getByTestId('run-resume');
  await resume.waitFor({ timeout: 10_000 });
  const saved = Number(/\((\d+) chunk/.exec((await resume.textContent()) ?? '')?.[1]);
  expect(saved).toBeGreaterThanOrEqual(3);
  expect(saved).toBeLessThan(30);
  await resume.click();
  await waitRunDone(page, 240_000, 30);
  // The saved chunks were reused, not recomputed: their tiles are marked as saved earlier.
  expect(await page.locator('[data-testid=tile].tile--cached').count()).toBe(saved);
  checkOutput((await downloadParquet(page)).rows);
  expect(errors).toEqual([]);
});

test('a reload mid-run offers to resume from IndexedDB and completes the job', async () => {
  const { page, errors } = await openApp(browser, inject('appUrl'));
  await loadParquet(page);
  await useRemote(page, apiUrl, KEY);
  await setChunking(page, { chunkSize: 10, concurrent: 1 });
  await page.getByTestId('run-start').click();
  await expect.poll(async () => parseInt((await page.getByTestId('count-done').textContent().catch(() => '0')) ?? '0', 10), { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
  await page.reload();
  const offer = page.getByTestId('resume-offer');
  await offer.waitFor({ timeout: 30_000 });
  expect(await offer.textContent()).toContain('docs.parquet');
  await page.getByTestId('resume-saved').click();
  await waitRunDone(page, 240_000, 30);
  expect(await page.locator('[data-testid=tile].tile--cached').count()).toBeGreaterThanOrEqual(2);
  checkOutput((await downloadParquet(page)).rows);
  expect(errors).toEqual([]);
});

test('a wrong API key shows a clear message in the Function cell', async () => {
  const { page, errors } = await openApp(browser, inject('appUrl'));
  await page.getByTestId('backend-remote').click();
  await fill(page, 'remote-url', apiUrl);
  await fill(page, 'remote-key', 'not-the-key');
  const err = page.getByTestId('remote-error');
  await expect.poll(() => err.textContent().catch(() => ''), { timeout: 30_000 }).toMatch(/RemoteAuthError.*Unauthorized \(401\).*API key was rejected/);
  expect(await page.getByTestId('cell-function-state').textContent()).toBe('Unreachable');
  expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
});

test('out of the box: the Remote backend defaults to the same-origin /api queue of `npm start`', async () => {
  const { page, errors } = await openApp(browser, inject('appUrl'));
  await loadParquet(page);
  await page.getByTestId('backend-remote').click();
  expect(await page.getByTestId('remote-url').inputValue()).toBe(new URL('/api', inject('appUrl')).href);
  await page.locator('[data-testid=remote-health]:has-text("Connected")').waitFor({ timeout: 30_000 });
  await setChunking(page, { numChunks: 3, concurrent: 3 });
  await page.getByTestId('run-start').click();
  await waitRunDone(page, 240_000, 3);
  checkOutput((await downloadParquet(page)).rows);
  expect(errors).toEqual([]);
});
