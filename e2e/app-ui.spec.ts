// The notebook's wording, layout and access, on the default (Local) backend: numeric fields say
// what is wrong in the cell's own names; the WASM thread count is stated truthfully; the estimate
// before a run; the chosen text column is visible in the preview; tiles reachable by keyboard and
// by tap; dark mode from prefers-color-scheme. Screenshots at 1440×900 and 390×844 (light and
// dark) go to e2e/artifacts/app-ui-*.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS_DIR, launchChromium, watchPageErrors } from './browser';
import { PHONE, fill, setChunking, waitRunDone } from './fixtures/app';
import { dropFile, utf8 } from './fixtures/drop';

const DESKTOP_WIDE = { width: 1440, height: 900 };
let browser: Browser;

/** Many columns, the one to embed last: it must still be on screen in the preview. */
function wideCsv(rows: number): string {
  const head = 'id,sku,price,qty,region,summary,notes,description';
  const lines = Array.from({ length: rows }, (_, i) => `${i},SKU-${1000 + i},${(i * 1.25).toFixed(2)},${i % 7},north,short ${i},note ${i},"A longer description of item ${i}, with enough words to be the column to embed"`);
  return `${head}\n${lines.join('\n')}\n`;
}

async function open(viewport: { width: number; height: number }, opts: { dark?: boolean; touch?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, colorScheme: opts.dark ? 'dark' : 'light', hasTouch: opts.touch, isMobile: opts.touch });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(inject('appUrl'));
  await page.locator('h1').waitFor();
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'wide.csv', bytes: utf8(wideCsv(60)), type: 'text/csv' });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent(), { timeout: 60_000 }).toBe('60');
  return { page, errors };
}

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

test('desktop: field messages in the UI names, true thread count, estimate, visible text column, keyboard tiles', { timeout: 600_000 }, async () => {
  const { page, errors } = await open(DESKTOP_WIDE);
  expect(await page.getByTestId('dataset-text-column').inputValue()).toBe('description');
  // The chosen column's header is inside the preview's visible box.
  const box = (await page.getByTestId('dataset-preview').boundingBox())!;
  const chosen = (await page.locator('[data-testid=dataset-preview] .vtable__chosen').boundingBox())!;
  expect(chosen.x + chosen.width).toBeLessThanOrEqual(box.x + box.width);

  // Threads: what the browser offers, worded right ("2 threads", never "1 threads").
  const cores = (await page.evaluate('navigator.hardwareConcurrency')) as number;
  const expected = Math.min(8, cores);
  const info = (await page.getByTestId('device-info').textContent()) ?? '';
  expect(info).toContain(`WASM, ${expected} thread${expected === 1 ? '' : 's'}`);
  expect(info).not.toMatch(/\b1 threads\b/);

  // One rule, the cell's names: "0" is an error (not a silent 1), and so is text.
  await fill(page, 'concurrent-chunks', '0');
  expect(await page.getByTestId('concurrent-chunks-error').textContent()).toBe('concurrent_chunks must be a whole number ≥ 1; got "0".');
  await page.getByTestId('chunk-mode-chunkSize').click();
  await fill(page, 'chunk-size', 'abc');
  expect(await page.getByTestId('chunk-size-error').textContent()).toBe('chunk_size must be a whole number ≥ 1; got "abc".');
  expect(await page.getByTestId('run-start').isDisabled()).toBe(true);
  expect(await page.getByTestId('run-backend').textContent()).not.toMatch(/chunkSize|NaN|Invalid option/);

  await setChunking(page, { chunkSize: 10, concurrent: 2 });
  await page.getByTestId('run-estimate').click();
  const est = page.getByTestId('run-estimate-text');
  await est.waitFor({ timeout: 120_000 });
  expect(await est.textContent()).toMatch(/^≈ .+ at [\d.]+ rows\/s \(timed on 32 sample rows, wasm\)\.$/);

  await page.getByTestId('run-start').click();
  await waitRunDone(page, 300_000, 6);
  // Keyboard: tiles take focus and show their details.
  await page.locator('[data-testid=tile]').nth(2).focus();
  expect(await page.getByTestId('tile-detail').textContent()).toMatch(/^Chunk 2 · rows 21–30 \(10\) · done/);
  await page.keyboard.press('Tab');
  expect(await page.getByTestId('tile-detail').textContent()).toMatch(/^Chunk 3 · rows 31–40/);

  await page.screenshot({ path: join(ARTIFACTS_DIR, 'app-ui-desktop-full.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('phone 390×844 (touch): fields fit, a tap shows a tile; dark mode follows the system', { timeout: 600_000 }, async () => {
  const { page, errors } = await open(PHONE, { touch: true });
  // Nothing wider than the screen: the page never scrolls sideways.
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
  await setChunking(page, { chunkSize: 20, concurrent: 2 });
  await page.getByTestId('run-start').tap();
  await waitRunDone(page, 300_000, 3);
  await page.locator('[data-testid=tile]').nth(1).tap();
  expect(await page.getByTestId('tile-detail').textContent()).toMatch(/^Chunk 1 · rows 21–40/);
  await page.screenshot({ path: join(ARTIFACTS_DIR, 'app-ui-phone-full.png'), fullPage: true });
  expect(errors).toEqual([]);

  const dark = await open(PHONE, { dark: true });
  expect(await dark.page.evaluate('getComputedStyle(document.documentElement).backgroundColor')).toBe('rgb(15, 17, 23)');
  await dark.page.screenshot({ path: join(ARTIFACTS_DIR, 'app-ui-phone-dark.png'), fullPage: true });
  const darkDesktop = await open(DESKTOP_WIDE, { dark: true });
  await darkDesktop.page.screenshot({ path: join(ARTIFACTS_DIR, 'app-ui-desktop-dark.png'), fullPage: true });
  expect([...dark.errors, ...darkDesktop.errors]).toEqual([]);
});
