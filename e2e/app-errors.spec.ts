// (c) Bad files show a clear, specific message in the Dataset cell and nothing crashes; an
// unreachable server shows a clear message in the Function cell. (A wrong API key against a real
// server is covered in app-remote.spec.ts.) Also: a large CSV shows bytes-read progress.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS_DIR, launchChromium } from './browser';
import { fill, openApp } from './fixtures/app';
import { makeRows, toParquet } from './fixtures/datasets';
import { dropFile, utf8 } from './fixtures/drop';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const pngBytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0xff, 0xfe, 0x80, 0x81, 0xc3, 0x28, 0xa0, 0xa1]);

const cases: Array<{ what: string; file: () => Promise<{ name: string; bytes: Uint8Array }>; name: RegExp; message: RegExp }> = [
  { what: 'not a CSV (binary image)', file: async () => ({ name: 'photo.png', bytes: pngBytes }), name: /Utf8|Csv|Dataset/i, message: /photo\.png/ },
  {
    what: 'a broken (truncated) Parquet file',
    file: async () => {
      const good = await toParquet(makeRows(50));
      return { name: 'cut.parquet', bytes: good.slice(0, Math.floor(good.length / 2)) };
    },
    name: /Parquet/,
    message: /cut\.parquet/,
  },
  { what: 'a .parquet file that is not Parquet', file: async () => ({ name: 'fake.parquet', bytes: utf8('id,text\n1,hello\n') }), name: /NotParquet/, message: /fake\.parquet.*CSV/ },
  { what: 'no text column to embed', file: async () => ({ name: 'numbers.csv', bytes: utf8('id,score,ok\n1,0.5,true\n2,0.25,false\n') }), name: /NoTextColumnError/, message: /numbers\.csv.*no text column.*id \(Int32\), score \(Float64\), ok \(Bool\)/ },
  { what: 'an empty file', file: async () => ({ name: 'empty.csv', bytes: new Uint8Array(0) }), name: /Empty/, message: /empty\.csv.*empty/ },
  { what: 'a header but no rows', file: async () => ({ name: 'header.csv', bytes: utf8('id,text\n') }), name: /Empty/, message: /header\.csv/ },
];

test('bad files: a clear message in the Dataset cell, no page errors, and the next good file still loads', async () => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const { page, errors } = await openApp(browser, inject('appUrl'));
  for (const c of cases) {
    await dropFile(page, '[data-testid=cell-dataset]', await c.file());
    const err = page.getByTestId('dataset-error');
    // Wait for this file's message (the previous case's error is on screen until reading starts).
    await expect.poll(() => err.locator('.alert__message').textContent().catch(() => ''), { timeout: 30_000 }).toMatch(c.message);
    await err.screenshot({ path: join(ARTIFACTS_DIR, `app-error-${cases.indexOf(c)}.png`) });
    console.log(`${c.what}: ${(await err.textContent()) ?? ''}`);
    const name = (await err.locator('.alert__name').textContent()) ?? '';
    const message = (await err.locator('.alert__message').textContent()) ?? '';
    expect(name, c.what).toMatch(c.name);
    expect(message, c.what).toMatch(c.message);
    expect(await page.getByTestId('cell-dataset-state').textContent(), c.what).toBe('Error');
    // The Run cell explains why it cannot start.
    expect(await page.getByTestId('run-start').isDisabled()).toBe(true);
  }
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'ok.csv', bytes: utf8('id,text\n1,hello\n2,"a, b"\n') });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent().catch(() => '')).toBe('2');
  expect(await page.getByTestId('dataset-error').count()).toBe(0);
  expect(errors).toEqual([]);
});

test('an unreachable server: a clear message in the Function cell', async () => {
  const { page, errors } = await openApp(browser, inject('appUrl'));
  await page.getByTestId('backend-remote').click();
  await fill(page, 'remote-url', 'http://127.0.0.1:9/api');
  const err = page.getByTestId('remote-error');
  await expect.poll(() => err.textContent().catch(() => ''), { timeout: 30_000 }).toMatch(/RemoteNetworkError.*Cannot reach the embedbook server at http:\/\/127\.0\.0\.1:9\/api/);
  expect(await page.getByTestId('cell-function-state').textContent()).toBe('Unreachable');
  // The browser itself logs the refused connection; anything else would be ours.
  expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource|Failed to fetch/.test(e))).toEqual([]);
});

test('a large CSV shows bytes-read progress while the worker parses it', async () => {
  const { page, errors } = await openApp(browser, inject('appUrl'));
  const rows = makeRows(2000);
  // ~15 MB: the same 2,000 generated rows repeated with fresh ids.
  const lines = ['id,text,group'];
  for (let k = 0; k < 50; k++) for (const r of rows) lines.push(`${k * 2000 + r.id},"${r.text.replace(/"/g, '""')} ${'pad '.repeat(20)}",${r.group}`);
  const csv = utf8(lines.join('\n'));
  await page.evaluate(`(() => {
    window.__progress = [];
    new MutationObserver(() => {
      const bar = document.querySelector('[data-testid=dataset-progress]');
      if (bar) window.__progress.push(Number(bar.getAttribute('aria-valuenow')));
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  })()`);
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'big.csv', bytes: csv });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent().catch(() => ''), { timeout: 120_000 }).toBe('100,000');
  const seen = (await page.evaluate('window.__progress')) as number[];
  // The bar moved through intermediate values, not just 0 → done.
  expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  expect(errors).toEqual([]);
});
