// (a) A real drag-and-drop of a generated CSV → local backend (default model, onnxruntime-web in
// the worker) → tiles change state → Parquet downloaded and read back: same rows, input order,
// embeddings equal to the Node backend's. Then (d) screenshots of every cell at both sizes.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS_DIR, launchChromium } from './browser';
import { DESKTOP, PHONE, downloadParquet, longestTask, maxAbsDiff, openApp, setChunking, tileStates, waitRunDone, watchLongTasks, watchTiles } from './fixtures/app';
import { makeRows, toCsv } from './fixtures/datasets';
import { dropFile, utf8 } from './fixtures/drop';
import { nodeEmbeddings } from './fixtures/node-reference';
import os from 'node:os';

const ROWS = Number(process.env.E2E_LOCAL_ROWS ?? 2000);
const CELLS = ['dataset', 'function', 'chunking', 'run', 'results', 'export'];

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

test(`drop a ${ROWS}-row CSV, embed it locally, download ordered Parquet equal to the Node backend`, { timeout: 900_000 }, async () => {
  const rows = makeRows(ROWS);
  const { page, errors } = await openApp(browser, inject('appUrl'));
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'docs.csv', bytes: utf8(toCsv(rows)), type: 'text/csv' });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent(), { timeout: 60_000 }).toBe(ROWS.toLocaleString('en-US'));
  expect(await page.getByTestId('dataset-text-column').inputValue()).toBe('text');
  // The quoted empty text ("") is a value, not a null: no "rows have no text" warning.
  expect(await page.getByTestId('dataset-null-hint').count()).toBe(0);
  await expect.poll(() => page.getByTestId('dataset-preview-row').count()).toBeGreaterThan(3);

  await setChunking(page, { chunkSize: Math.ceil(ROWS / 10), concurrent: 2 });
  expect(await page.getByTestId('chunk-count').textContent()).toBe('10');
  await watchTiles(page);
  await watchLongTasks(page);
  await page.getByTestId('run-start').click();
  await waitRunDone(page, 840_000);
  // All heavy work is in the worker: the page's own tasks stay short during the whole run
  // (the results cell's first render; inference or parsing on the page would take seconds).
  // Measured on this 2-core machine (ORT's pool threads sleeping, not spinning): 105 ms at load
  // average 1–8, 447 ms at 14, 804 ms at 11.6, 885 ms at 25 — the page's tasks stretch with what
  // else runs. So the bound is 300 ms (~3× the quiet figure, what a CI runner alone sees) scaled
  // by the load per core: a busy shared machine does not fail it, a quiet one still catches a
  // regression (inference or parsing on the page).
  const cores = os.availableParallelism();
  const bound = 300 * Math.max(1, os.loadavg()[0] / cores);
  const longest = await longestTask(page);
  console.log(`local run of ${ROWS} rows: longest main-thread task ${longest.toFixed(0)} ms (bound ${bound.toFixed(0)} ms at load ${os.loadavg()[0].toFixed(1)} on ${cores} cores); ${await page.getByTestId('run-rate').textContent()}`);
  expect(longest).toBeLessThan(bound);

  // Every tile changed state live in the page, queued → … → done; some were seen running (a fast
  // chunk can go queued → done between two repaints: events reach the page in ~100 ms batches).
  const states = await tileStates(page);
  expect(Object.keys(states)).toHaveLength(10);
  for (const list of Object.values(states)) {
    expect(list[0]).toBe('queued');
    expect(list[list.length - 1]).toBe('done');
  }
  expect(Object.values(states).filter((l) => l.includes('running')).length).toBeGreaterThan(0);
  expect(await page.getByTestId('device-actual').textContent()).toBe('wasm');
  expect(await page.getByTestId('results-rows').textContent()).toBe(ROWS.toLocaleString('en-US'));
  expect(await page.getByTestId('results-dim').textContent()).toBe('512');

  const { name, rows: out } = await downloadParquet(page);
  expect(name).toBe('docs.embeddings.parquet');
  expect(out).toHaveLength(ROWS);
  expect(out.map((r) => r.id)).toEqual(rows.map((r) => r.id));
  // The CSV's one empty text is written `""` (a quoted empty field is the empty string; an
  // unquoted one would be null): it embeds like any other row, so no row failed and the export
  // has no `status` column (it is written only when some row failed).
  expect(Object.keys(out[0])).toEqual(['id', 'text', 'group', 'embedding']);
  expect(out.filter((r) => 'status' in r)).toHaveLength(0);
  expect(out[5].text).toBe('');
  expect(await page.getByTestId('results-failed').textContent()).toBe('0');
  // Texts survive the round trip (quoted commas, newlines, quotes, unicode).
  for (const i of [1, 2, 3, 4, 5, 1999 % ROWS]) expect(out[i].text).toBe(rows[i].text);

  const ref = await nodeEmbeddings(out.map((r) => (typeof r.text === 'string' ? r.text : null)));
  let worst = 0;
  expect(ref[5]).toHaveLength(512); // the Node backend embeds "" too
  for (let i = 0; i < ROWS; i++) {
    expect(out[i].embedding).toHaveLength(512);
    worst = Math.max(worst, maxAbsDiff(out[i].embedding as number[], ref[i] as Float32Array));
  }
  expect(worst).toBeLessThan(1e-4);

  // Search embeds the query with the same backend; the exact text of a row ranks it first.
  await page.getByTestId('search-input').fill(rows[10].text);
  await page.getByTestId('search-go').click();
  // 50 hits in a virtualised table (every column): the visible rows are rendered.
  await expect.poll(() => page.getByTestId('search-hits-row').count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);

  // (d) Screenshots of each cell after the run, at desktop and phone sizes.
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.getByTestId('code-toggle').click();
  for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(viewport);
    // The page has taken the new size and painted twice since (layout and resize observers ran).
    await page.waitForFunction((width) => window.innerWidth === width, viewport.width);
    await page.evaluate(() => new Promise((painted) => requestAnimationFrame(() => requestAnimationFrame(painted))));
    for (const cell of CELLS) {
      const el = page.getByTestId(`cell-${cell}`);
      await el.scrollIntoViewIfNeeded();
      // Show the hover states too: a tile's details, and a point's text on the projection.
      if (cell === 'run') await page.locator('[data-testid=tile]').nth(3).hover();
      if (cell === 'results') await hoverAPoint(page);
      await el.screenshot({ path: join(ARTIFACTS_DIR, `app-${label}-${cell}.png`) });
    }
    await page.screenshot({ path: join(ARTIFACTS_DIR, `app-${label}-full.png`), fullPage: true });
  }
  expect(errors).toEqual([]);
});

/** Moves the mouse over the canvas until the projection shows a point's text. */
async function hoverAPoint(page: Page): Promise<void> {
  const canvas = page.getByTestId('explorer-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  if (!box) return;
  for (let y = 0.3; y <= 0.7; y += 0.1) {
    for (let x = 0.3; x <= 0.7; x += 0.1) {
      await page.mouse.move(box.x + box.width * x, box.y + box.height * y);
      if (await page.getByTestId('explorer-tip').isVisible().catch(() => false)) return;
    }
  }
}
