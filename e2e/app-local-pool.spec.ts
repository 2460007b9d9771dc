// The local backend's pool of inference workers (src/worker/inference-pool.ts): the app runs WASM
// inference in nested workers, one 1-thread session per core, says so in the Function cell, and a
// worker that dies mid-job is replaced while the engine retries its chunk — the output is still
// every row, in order, equal to onnxruntime-node. Fault injection: an uncaught error thrown inside
// one inference worker through Playwright's worker handle (no hook in the app).
import { expect, inject, test } from 'vitest';
import type { Page, Worker } from 'playwright-core';
import { downloadParquet, maxAbsDiff, openApp, setChunking, waitRunDone } from './fixtures/app';
import { toCsv } from './fixtures/datasets';
import { dropFile, utf8 } from './fixtures/drop';
import { referenceSuite } from './fixtures/node-reference';

const ROWS = 96;
const suite = referenceSuite(ROWS, 23);

const inferenceWorkers = (page: Page): Worker[] => page.workers().filter((w) => w.url().includes('inference'));

test('Local WASM runs on a pool of inference workers; one that dies is replaced and its chunk retried, every row still right', { timeout: 600_000 }, async () => {
  const { page, errors } = await openApp(suite.browser, inject('appUrl'));
  await page.getByTestId('device-wasm').click();
  const cores = (await page.evaluate('navigator.hardwareConcurrency')) as number;
  const workers = Math.min(4, Math.min(8, cores));
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'pool.csv', bytes: utf8(toCsv(suite.rows)), type: 'text/csv' });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent(), { timeout: 60_000 }).toBe(String(ROWS));
  await setChunking(page, { chunkSize: 24, concurrent: 2 });

  // The estimate loads the model: the pool's workers start, one per core (up to 4).
  await page.getByTestId('run-estimate').click();
  await page.getByTestId('run-estimate-text').waitFor({ timeout: 300_000 });
  await expect.poll(() => inferenceWorkers(page).length, { timeout: 30_000 }).toBe(workers);

  const victim = inferenceWorkers(page)[0];
  const closed = new Promise<void>((resolve) => victim.once('close', () => resolve()));
  await victim.evaluate(() => {
    setTimeout(() => {
      throw new Error('injected: inference worker crashed');
    }, 0);
  });
  await page.getByTestId('run-start').click();
  await waitRunDone(page, 500_000, ROWS / 24);
  // The dead worker was terminated and a fresh one took its place.
  await closed;
  await expect.poll(() => inferenceWorkers(page).length, { timeout: 30_000 }).toBe(workers);
  expect(inferenceWorkers(page)).not.toContain(victim);

  const info = (await page.getByTestId('device-info').textContent()) ?? '';
  console.log(`pool: ${info}`);
  expect(info).toContain(`${workers} worker${workers === 1 ? '' : 's'} × 1 thread`);
  const { rows: out } = await downloadParquet(page);
  expect(out.map((r) => r.id)).toEqual(suite.rows.map((r) => r.id));
  let worst = 0;
  out.forEach((r, i) => (worst = Math.max(worst, maxAbsDiff(r.embedding as number[], suite.reference[i] as Float32Array))));
  expect(worst).toBeLessThan(1e-4);
  expect(errors.filter((e) => !/injected: inference worker crashed/.test(e))).toEqual([]);
});
