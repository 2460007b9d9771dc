// Data in and honest state, on the default (Local) backend:
//  - a semicolon CSV with a BOM and commas inside its texts is read (delimiter detected and shown),
//    and its empty text cells — unquoted and quoted — are embedded like any text (pyarrow's rule);
//  - after a run, changing the text column, the chunking or the function marks Run, Results and
//    Export stale with a "re-run" prompt; restoring the settings clears it; Re-run brings it back.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { downloadParquet, maxAbsDiff, openApp, setChunking, waitRunDone } from './fixtures/app';
import { dropFile, utf8 } from './fixtures/drop';
import { nodeEmbeddings } from './fixtures/node-reference';

const TEXTS = ['hello, world', '', 'a; quoted, field', '', 'naïve café, déjà vu', 'plain text', 'one more, with commas', 'last'];
const QUOTED_EMPTY = 3; // row 3's empty text is written `""`, row 1's is an unquoted empty cell
let browser: Browser;

/** id;title;text with a BOM, CRLF, `;`-quoting only where needed. */
function semicolonCsv(): string {
  const field = (s: string, i: number) => (s.includes(';') || (s === '' && i === QUOTED_EMPTY) ? `"${s}"` : s);
  return '\uFEFFid;title;text\r\n' + TEXTS.map((t, i) => `${i};title ${i};${field(t, i)}`).join('\r\n') + '\r\n';
}

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

test('a semicolon CSV with a BOM: delimiter detected, empty cells embedded; later changes mark the results stale', { timeout: 600_000 }, async () => {
  const { page, errors } = await openApp(browser, inject('appUrl'));
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'semi.csv', bytes: utf8(semicolonCsv()), type: 'text/csv' });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent(), { timeout: 60_000 }).toBe(String(TEXTS.length));
  expect(await page.getByTestId('dataset-delimiter').locator('option:checked').textContent()).toBe('Auto (found: semicolon ;)');
  await page.getByTestId('dataset-text-column').selectOption('text');
  expect(await page.getByTestId('dataset-null-hint').count()).toBe(0); // empty cells are "", not null

  await setChunking(page, { chunkSize: 3, concurrent: 2 });
  await page.getByTestId('run-start').click();
  await waitRunDone(page, 300_000, 3);
  expect(await page.getByTestId('results-failed').textContent()).toBe('0');
  expect(await page.getByTestId('stale-notice').count()).toBe(0);

  const { rows } = await downloadParquet(page);
  expect(rows.map((r) => r.text)).toEqual(TEXTS);
  expect(Object.keys(rows[0])).toEqual(['id', 'title', 'text', 'embedding']); // nothing failed → no status column
  const ref = await nodeEmbeddings(TEXTS);
  rows.forEach((r, i) => expect(maxAbsDiff(r.embedding as number[], ref[i] as Float32Array)).toBeLessThan(1e-4));

  // Stale: another text column → Run, Results and Export say so, with a re-run prompt.
  await page.getByTestId('dataset-text-column').selectOption('title');
  await expect.poll(() => page.getByTestId('stale-notice').count()).toBe(3);
  for (const cell of ['run', 'results', 'export']) expect(await page.getByTestId(`cell-${cell}-state`).textContent()).toBe('Stale — re-run');
  // Back to the column it ran with: up to date again.
  await page.getByTestId('dataset-text-column').selectOption('text');
  await expect.poll(() => page.getByTestId('stale-notice').count()).toBe(0);
  expect(await page.getByTestId('cell-run-state').textContent()).toBe('Done');
  // Chunking and the function count too.
  await setChunking(page, { chunkSize: 4 });
  await expect.poll(() => page.getByTestId('stale-notice').count()).toBe(3);
  await setChunking(page, { chunkSize: 3 });
  await expect.poll(() => page.getByTestId('stale-notice').count()).toBe(0);
  await page.getByTestId('device-wasm').click();
  await expect.poll(() => page.getByTestId('stale-notice').count()).toBe(3);
  // Re-run from the prompt: fresh results, nothing stale.
  await page.getByTestId('stale-rerun').first().click();
  await expect.poll(() => page.getByTestId('stale-notice').count(), { timeout: 300_000 }).toBe(0);
  await waitRunDone(page, 300_000, 3);
  expect(errors).toEqual([]);
});
