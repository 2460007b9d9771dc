// Local (the app's default backend) behaves like Remote: Cancel stops the run within 2 s and keeps
// the finished chunks, and a reload mid-run offers every chunk finished before it (each is saved
// to IndexedDB as it completes) and resumes only the rest. Output checked against onnxruntime-node.
import { expect, inject, test } from 'vitest';
import type { Page } from 'playwright-core';
import { downloadParquet, maxAbsDiff, openApp, setChunking, waitRunDone, type ParquetRow } from './fixtures/app';
import { toCsv } from './fixtures/datasets';
import { dropFile, utf8 } from './fixtures/drop';
import { referenceSuite } from './fixtures/node-reference';

const ROWS = 480;
const CHUNK = 24; // 20 chunks
const suite = referenceSuite(ROWS, 11);

async function loadCsv(page: Page): Promise<void> {
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'local.csv', bytes: utf8(toCsv(suite.rows)), type: 'text/csv' });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent(), { timeout: 60_000 }).toBe(String(ROWS));
  await setChunking(page, { chunkSize: CHUNK, concurrent: 2 });
}

function doneCount(page: Page): Promise<number> {
  return page
    .getByTestId('count-done')
    .textContent({ timeout: 1000 })
    .then((t) => parseInt(t ?? '0', 10))
    .catch(() => 0);
}

function checkOutput(out: ParquetRow[]): void {
  expect(out.map((r) => r.id)).toEqual(suite.rows.map((r) => r.id));
  let worst = 0;
  out.forEach((r, i) => (worst = Math.max(worst, maxAbsDiff(r.embedding as number[], suite.reference[i] as Float32Array))));
  expect(worst).toBeLessThan(1e-4);
}

test('Local: Cancel stops the run within 2 s, keeps finished chunks, and Resume runs only the rest', { timeout: 600_000 }, async () => {
  const { page, errors } = await openApp(suite.browser, inject('appUrl'));
  await loadCsv(page);
  await page.getByTestId('run-start').click();
  await expect.poll(() => doneCount(page), { timeout: 300_000 }).toBeGreaterThanOrEqual(2);
  // Measured in the page: from the click to the cell saying "Cancelled".
  await page.evaluate(`(() => {
    const state = document.querySelector('[data-testid=cell-run-state]');
    window.__cancelMs = null;
    const t0 = performance.now();
    new MutationObserver(() => {
      if (state.textContent === 'Cancelled' && window.__cancelMs === null) window.__cancelMs = performance.now() - t0;
    }).observe(state, { subtree: true, childList: true, characterData: true });
    document.querySelector('[data-testid=run-cancel]').click();
  })()`);
  await page.locator('[data-testid=cell-run-state]:text-is("Cancelled")').waitFor({ timeout: 60_000 });
  const cancelMs = (await page.evaluate('window.__cancelMs')) as number;
  const doneAtCancel = await doneCount(page);
  console.log(`local cancel took ${cancelMs.toFixed(0)} ms with ${doneAtCancel} of 20 chunks done`);
  expect(cancelMs).toBeLessThan(2000);
  expect(doneAtCancel).toBeLessThan(20);

  const resume = page.getByTestId('run-resume');
  await resume.waitFor({ timeout: 10_000 });
  const saved = Number(/\((\d+) chunk/.exec((await resume.textContent()) ?? '')?.[1]);
  expect(saved).toBe(doneAtCancel);
  await resume.click();
  await waitRunDone(page, 500_000, 20);
  expect(await page.locator('[data-testid=tile].tile--cached').count()).toBe(saved);
  checkOutput((await downloadParquet(page)).rows);
  expect(errors).toEqual([]);
});

test('Local: a reload mid-run offers every finished chunk and resumes only the rest', { timeout: 600_000 }, async () => {
  const { page, errors } = await openApp(suite.browser, inject('appUrl'));
  await loadCsv(page);
  await page.getByTestId('run-start').click();
  await expect.poll(() => doneCount(page), { timeout: 300_000 }).toBeGreaterThanOrEqual(3);
  const doneBefore = await doneCount(page);
  await page.reload();
  const offer = page.getByTestId('resume-offer');
  await offer.waitFor({ timeout: 30_000 });
  const text = (await offer.textContent()) ?? '';
  expect(text).toContain('local.csv');
  const offered = Number(/(\d+) of 20 chunks are done/.exec(text)?.[1]);
  console.log(`reload with ${doneBefore} chunks shown done: the offer has ${offered}`);
  expect(offered).toBeGreaterThanOrEqual(doneBefore);
  expect(offered).toBeLessThan(20);
  // The dataset is back too (re-read from the file saved with the run), not "No data" under the offer.
  await expect.poll(() => page.getByTestId('dataset-rows').textContent().catch(() => ''), { timeout: 60_000 }).toBe(String(ROWS));
  await page.getByTestId('resume-saved').click();
  await waitRunDone(page, 500_000, 20);
  expect(await page.locator('[data-testid=tile].tile--cached').count()).toBe(offered);
  checkOutput((await downloadParquet(page)).rows);
  expect(errors).toEqual([]);
});
