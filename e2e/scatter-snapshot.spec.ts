// The explorer's adaptive renderer (src/app/features/results/scatter-renderer.ts) in Debian
// Chromium with SwiftShader, on the scatter bench page with the app's options: camera-only frames
// during a gesture are the last real frame moved and scaled, and they land where the real frame at
// the same camera puts the points; the camera settling brings a real frame; a selection draws for
// real at once. The frame budget is set to 0 so snapshots happen on any GL, fast or slow; the
// settle is 1 s so a real frame before it can only come from the selection.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchPageErrors } from './browser';
import { buildPages, pagePath } from './pages-build';
import { serveStatic, type StaticServer } from './static-server';

const POINTS = 20_000;
const SETTLE_MS = 1000;

let server: StaticServer;
let browser: Browser;
let page: Page;
let errors: string[];
beforeAll(async () => {
  server = await serveStatic({ '/': await buildPages() });
  browser = await launchChromium({ webgl: true });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  errors = watchPageErrors(page);
  await page.goto(`${server.url}${pagePath('scatter-frames')}`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.evaluate(`window.scatterFrames(${POINTS}, 'adaptive', {}, { budgetMs: 0, settleMs: ${SETTLE_MS} })`);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

// From the page's first real camera, view(0.9, 0.05, 0): a pan by whole pixels (40 right, 20 down
// on the 860×480 plot) and a 1.4× zoom with a move. Column-major 4×4 view matrices.
const PAN = [0.9, 0, 0, 0, 0, 0.9, 0, 0, 0, 0, 1, 0, 0.05 + 80 / 480, -40 / 480, 0, 1];
const ZOOM = [1.26, 0, 0, 0, 0, 1.26, 0, 0, 0, 0, 1, 0, 0.2, -0.1, 0, 1];

test.each([
  ['a pan', PAN, 0.005],
  ['a zoom', ZOOM, 1 / 2],
])('a gesture frame is the last real frame moved and scaled to the new camera: %s', async (what, view, share) => {
  const f = (await page.evaluate(`window.snapshotFidelity(${JSON.stringify(view)})`)) as { snapshot: number; stale: number; kind: string };
  console.log(`snapshot fidelity, ${what} (${POINTS} points): ${(100 * f.snapshot).toFixed(2)}% of the pixels differ from the real frame at the same camera; the stale frame ${(100 * f.stale).toFixed(2)}%`);
  expect(f.kind).toBe('snapshot');
  // Left as it was, many pixels are wrong…
  expect(f.stale).toBeGreaterThan(0.03);
  // …moved (and scaled), a pan by whole pixels is the real frame; a zoom differs at the points'
  // edges (the points scale with the bitmap, a real frame keeps their size in pixels).
  expect(f.snapshot).toBeLessThan(f.stale * share);
});

test('the camera settling brings a real frame; a selection is drawn for real at once', async () => {
  const settles = (await page.evaluate('window.settleFrames(2)')) as Array<{ latencyMs: number; costMs: number }> | null;
  expect(settles).not.toBeNull();
  for (const s of settles!) expect(s.latencyMs).toBeGreaterThanOrEqual(SETTLE_MS);
  const sel = (await page.evaluate('window.selectAfterSnapshot()')) as { snapshot: boolean; selectDrawnReal: boolean; msAfter: number };
  console.log(`a selection right after a snapshot frame: drawn ${sel.selectDrawnReal ? "for real" : "as a snapshot"}, ${sel.msAfter.toFixed(0)} ms later`);
  expect(sel.snapshot).toBe(true);
  expect(sel.selectDrawnReal).toBe(true);
  expect(sel.msAfter).toBeLessThan(SETTLE_MS);
  const stats = (await page.evaluate('window.frameStats()')) as { full: number; snapshot: number };
  expect(stats.snapshot).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
