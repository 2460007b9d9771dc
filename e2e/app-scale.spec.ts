// Constant memory in the browser (issue 16), short version: a remote run of E2E_SCALE_ROWS
// (default 30,000) generated rows with a cheap 384-d function, 1,000-row chunks, 8 in flight; the
// results go to IndexedDB chunk by chunk and the export to OPFS, so the tab's memory stays far
// below the 1.5 GiB bound, and the downloaded Parquet has every row in order with the function's
// vectors. The 1,000,000-row run is `npm run bench -- browser-scale` (e2e/fixtures/browser-scale.ts).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import type { EmbedbookServer } from '../src/server';
import { ARTIFACTS_DIR, launchPersistentChromium } from './browser';
import { runBrowserScale, startCheapServer, writeScaleCsv } from './fixtures/browser-scale';

const ROWS = Number(process.env.E2E_SCALE_ROWS ?? 30_000);
let context: BrowserContext;
let server: EmbedbookServer;
let serverUrl: string;
let tmp: string;
let csv: string;

beforeAll(async () => {
  ({ server, url: serverUrl } = await startCheapServer(new URL(inject('appUrl')).origin));
  tmp = mkdtempSync(path.join(os.tmpdir(), 'embedbook-app-scale-'));
  csv = path.join(tmp, 'scale.csv');
  await writeScaleCsv(csv, ROWS);
  context = await launchPersistentChromium(path.join(tmp, 'profile'));
});
afterAll(async () => {
  await context?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test(`remote run of ${ROWS} rows: results in storage, tab memory bounded, export complete and in order`, { timeout: 900_000 }, async () => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const r = await runBrowserScale({
    context,
    appUrl: inject('appUrl'),
    serverUrl,
    csv,
    rows: ROWS,
    chunkSize: 1000,
    concurrency: 8,
    log: (l) => console.log(l),
    screenshot: (page) => page.screenshot({ path: path.join(ARTIFACTS_DIR, 'app-scale-desktop.png'), fullPage: true }).then(() => undefined),
  });
  console.log(JSON.stringify(r));
  expect(r.rows).toBe(ROWS);
  expect(r.tabPeakMiB).toBeGreaterThan(0);
  expect(r.tabPeakMiB).toBeLessThan(1536);
});
