// Two tabs of the app share one origin's storage (IndexedDB). A tab deletes the chunks of jobs
// that are not its own ("one job's results at a time") — which once deleted the finished results
// another open tab was showing: its export then lost rows. Now each tab's worker holds a Web Lock
// on its job (src/worker/job-leases.ts) and only jobs no live tab holds are garbage.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchPageErrors } from './browser';
import { downloadParquet, setChunking, waitRunDone } from './fixtures/app';
import { dropFile, utf8 } from './fixtures/drop';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const csv = (topic: string, n: number) => `id,text\n${Array.from({ length: n }, (_, i) => `${i},"${topic} note number ${i}"`).join('\n')}\n`;

/** Job keys with chunks in this origin's IndexedDB (read in the page, as the app stores them). */
function storedJobs(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('embedbook');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('meta').objectStore('meta').getAllKeys();
          req.onsuccess = () => {
            open.result.close();
            resolve([...new Set((req.result as Array<[string, number]>).map(([k]) => k))]);
          };
          req.onerror = () => reject(req.error);
        };
      }),
  );
}

async function runFile(page: Page, name: string, text: string, rows: number): Promise<void> {
  await dropFile(page, '[data-testid=cell-dataset]', { name, bytes: utf8(text) });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent().catch(() => '')).toBe(String(rows));
  await setChunking(page, { chunkSize: 10, concurrent: 1 });
  await page.getByTestId('run-start').click();
  await waitRunDone(page, 240_000, Math.ceil(rows / 10));
}

test("a second tab neither deletes another live tab's finished results nor keeps a closed tab's", { timeout: 600_000 }, async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const open = async () => {
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(inject('appUrl'));
    await page.locator('h1').waitFor();
    return { page, errors };
  };
  const a = await open();
  await runFile(a.page, 'birds.csv', csv('birds', 30), 30);
  const before = await downloadParquet(a.page);
  expect(before.rows.filter((r) => r.embedding?.length === 512)).toHaveLength(30);

  // Tab B opens (nothing to resume: it collects garbage) and runs another file.
  const b = await open();
  await runFile(b.page, 'ships.csv', csv('ships', 20), 20);
  expect((await storedJobs(b.page)).length).toBe(2);

  // Tab A's results are whole: the export has every row and the same vectors.
  const after = await downloadParquet(a.page);
  expect(after.rows.map((r) => r.text)).toEqual(before.rows.map((r) => r.text));
  expect(after.rows.map((r) => r.embedding)).toEqual(before.rows.map((r) => r.embedding));
  await expect.poll(() => a.page.getByTestId('cell-results').textContent()).toContain('birds note number 0');

  // Tab A closes: the browser releases its lock, and the next tab's garbage collection takes its chunks.
  expect(a.errors).toEqual([]);
  await a.page.close();
  await expect
    .poll(() => b.page.evaluate(async () => (await navigator.locks.query()).held?.filter((l) => l.name?.startsWith('embedbook-job:')).length), { timeout: 30_000 })
    .toBe(1);
  const c = await open();
  await expect.poll(() => storedJobs(c.page), { timeout: 30_000 }).toHaveLength(1);
  // …and tab B's results are still whole.
  expect((await downloadParquet(b.page)).rows.filter((r) => r.embedding?.length === 512)).toHaveLength(20);
  expect([...b.errors, ...c.errors]).toEqual([]);
  await context.close();
});
