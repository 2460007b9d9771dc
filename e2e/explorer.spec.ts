// The results explorer at scale, in Debian Chromium with SwiftShader WebGL: a synthetic
// 100,000-row result (loaded through the app's test hook into the worker, then shown by the
// Results cell like any finished run) is projected progressively (UMAP on a sample, the rest
// placed), every point is drawn, frame time is measured during pan/zoom driven by real wheel
// and drag input, colour by a column, lasso → table, hover → tooltip with every column, click →
// row details + more like this. Screenshots at 1440×900 and 390×844 in e2e/artifacts/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS_DIR, launchChromium, watchPageErrors } from './browser';
import { PHONE, openApp } from './fixtures/app';

const ROWS = Number(process.env.E2E_EXPLORER_ROWS ?? 100_000);
const DIM = 64;
const DESKTOP = { width: 1440, height: 900 };

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium({ webgl: true });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

async function loadSynthetic(page: Page, rows = ROWS): Promise<void> {
  await page.evaluate(([n, d]) => window.embedbookLoadSyntheticResults!(n, d), [rows, DIM] as const);
  await page.getByTestId('explorer').waitFor();
}

/** Pixels of the plot that differ from its background, counted by decoding a screenshot in the page. */
async function paintedPixels(page: Page): Promise<number> {
  const png = (await page.getByTestId('explorer-canvas').screenshot()).toString('base64');
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 0xfc) + Math.abs(d[i + 1] - 0xfc) + Math.abs(d[i + 2] - 0xfe) > 30) n++;
    return n;
  }, png);
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { frames: s.length, mean: s.reduce((a, b) => a + b, 0) / s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
}

test(`explorer with ${ROWS.toLocaleString('en-US')} points: progressive UMAP, WebGL pan/zoom frame time, colour, hover and click details`, { timeout: 600_000 }, async () => {
  const { page, errors } = await openApp(browser, inject('appUrl'), DESKTOP);
  const webgl = await page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    return gl ? String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : null;
  });
  expect(webgl, 'WebGL must be available (SwiftShader)').not.toBeNull();
  const t0 = Date.now();
  await loadSynthetic(page);
  const caption = page.getByTestId('explorer-caption');

  // Progressive: UMAP epochs are reported and the sample is drawn before the rest is placed.
  await expect.poll(() => page.getByTestId('explorer-progress').textContent(), { timeout: 180_000, interval: 100 }).toMatch(/UMAP epoch \d+ of \d+/);
  const earlyDrawn = Number(await caption.getAttribute('data-drawn'));
  expect(earlyDrawn).toBeGreaterThan(0);
  expect(earlyDrawn).toBeLessThan(ROWS);
  expect(await caption.textContent()).toMatch(/sample of 3,000/);
  await expect.poll(() => page.getByTestId('explorer-progress').textContent(), { timeout: 300_000, interval: 200 }).toMatch(/placing the other rows|UMAP \d/);
  await expect.poll(() => caption.getAttribute('data-phase'), { timeout: 400_000, interval: 500 }).toBe('done');
  const projectionS = (Date.now() - t0) / 1000;
  // Every row is a point and the scatter drew them.
  expect(await caption.getAttribute('data-drawn')).toBe(String(ROWS));
  expect(await caption.textContent()).toContain(`${ROWS.toLocaleString('en-US')} points drawn`);
  console.log(`explorer: ${ROWS} points (${DIM}-d), projection finished in ${projectionS.toFixed(1)} s — ${await page.getByTestId('explorer-progress').textContent()}; WebGL renderer: ${webgl}`);
  const painted = await paintedPixels(page);
  expect(painted).toBeGreaterThan(2000);
  // The synthetic result's input columns reach the page like a read file's: the Export cell lists them.
  expect(await page.getByTestId('cell-export').textContent()).toMatch(/columns id, text, topic, score, embedding\./);

  // Frame time during pan/zoom driven by real wheel and drag input; rAF intervals in the page.
  const canvas = page.getByTestId('explorer-canvas');
  const box = (await canvas.boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const drawsBefore = Number(await canvas.getAttribute('data-draws'));
  const kindsBefore = [Number(await canvas.getAttribute('data-full-frames')), Number(await canvas.getAttribute('data-snapshot-frames'))];
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __stop: boolean };
    w.__frames = [];
    w.__stop = false;
    let last = performance.now();
    const tick = (t: number) => {
      w.__frames.push(t - last);
      last = t;
      if (!w.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const started = Date.now();
  await page.mouse.move(cx, cy);
  for (let i = 0; i < 20; i++) await page.mouse.wheel(0, i < 10 ? -120 : 120);
  for (let k = 0; k < 3; k++) {
    await page.mouse.down();
    for (let s = 1; s <= 15; s++) await page.mouse.move(cx + Math.cos(s / 2.4 + k) * 120, cy + Math.sin(s / 2.4 + k) * 80);
    await page.mouse.up();
  }
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __stop: boolean };
    w.__stop = true;
    return w.__frames.slice(1);
  });
  const seconds = (Date.now() - started) / 1000;
  const draws = Number(await canvas.getAttribute('data-draws')) - drawsBefore;
  const f = stats(frames);
  console.log(
    `explorer frame time during pan/zoom of ${ROWS} points: mean ${f.mean.toFixed(1)} ms (${(1000 / f.mean).toFixed(0)} fps), median ${f.median.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms over ${f.frames} frames; ${draws} scatter redraws in ${seconds.toFixed(1)} s`,
  );
  expect(f.frames).toBeGreaterThan(10);
  expect(draws).toBeGreaterThan(10);
  // The adaptive renderer (scatter-renderer.ts): how many of those frames were real and how many
  // the last real frame moved and scaled, and what a camera-driven real frame costs here.
  const full = Number(await canvas.getAttribute('data-full-frames')) - kindsBefore[0];
  const snapshots = Number(await canvas.getAttribute('data-snapshot-frames')) - kindsBefore[1];
  const realMs = Number(await canvas.getAttribute('data-last-full-ms'));
  console.log(`explorer frames during that input: ${full} real, ${snapshots} snapshots (the last real frame moved and scaled); a camera-driven real frame costs ${realMs} ms here`);

  // Mid-gesture and after the settle: the plot's pixels in a snapshot frame of a zoom, and in the
  // real frame the camera's settling brings (both saved), with the time from the one to the other.
  if (realMs > 16) {
    expect(snapshots, 'slow real frames: camera-only frames are snapshots').toBeGreaterThan(0);
    const settled = page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid="explorer-canvas"]')!;
      const w = window as unknown as { __gesture?: string };
      const snap0 = Number(c.dataset.snapshotFrames);
      // The zoom's fourth snapshot frame is captured (a few wheel steps from the last real frame, so
      // the scaling shows), the zoom stops there, and the next real frame is the settle's.
      let fullAtCapture = Infinity;
      let lastSnapshotAt = 0;
      return new Promise<{ settleMs: number; png: string }>((resolve) => {
        const watch = new MutationObserver(() => {
          if (!w.__gesture && Number(c.dataset.snapshotFrames) > snap0 + 3) {
            lastSnapshotAt = performance.now();
            fullAtCapture = Number(c.dataset.fullFrames);
            w.__gesture = c.toDataURL('image/png');
          } else if (Number(c.dataset.fullFrames) > fullAtCapture) {
            watch.disconnect();
            c.getContext('2d')!.getImageData(0, 0, 1, 1); // waits for the real frame's pixels
            resolve({ settleMs: performance.now() - lastSnapshotAt, png: c.toDataURL('image/png') });
          }
        });
        watch.observe(c, { attributes: true, attributeFilter: ['data-snapshot-frames', 'data-full-frames'] });
      });
    });
    // A wheel zoom-in (a drag is a pan by whole pixels, where a snapshot is the real frame exactly).
    await page.mouse.move(cx + 40, cy + 20);
    for (let s = 1; s <= 40 && !(await page.evaluate(() => (window as unknown as { __gesture?: string }).__gesture !== undefined)); s++) {
      await page.mouse.wheel(0, -100);
    }
    const gesture = await page.evaluate(() => (window as unknown as { __gesture?: string }).__gesture);
    expect(gesture, 'a zoom on slow GL draws snapshot frames').toBeDefined();
    const after = await settled;
    const png = (url: string) => Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
    writeFileSync(join(ARTIFACTS_DIR, 'explorer-desktop-gesture.png'), png(gesture!));
    writeFileSync(join(ARTIFACTS_DIR, 'explorer-desktop-settled.png'), png(after.png));
    console.log(`explorer settle: the real frame finished ${after.settleMs.toFixed(0)} ms after the zoom's snapshot frame (settle wait 120 ms + the real frame)`);
    expect(after.settleMs).toBeGreaterThanOrEqual(100);
  } else {
    console.log('explorer: real frames are within the 16 ms budget on this GL, so every frame is real (no snapshots to show)');
  }

  await page.getByTestId('explorer-reset').click();

  // Colour by a column: a legend with the column's values and counts that add up to every row.
  await page.getByTestId('explorer-colour').selectOption('topic');
  const legend = page.getByTestId('explorer-legend');
  await legend.waitFor();
  await expect.poll(() => legend.locator('li').count()).toBe(20);
  const legendText = await legend.textContent();
  expect(legendText).toContain('astronomy');
  expect(legendText).toContain('other (3 values)');
  await page.screenshot({ path: join(ARTIFACTS_DIR, 'explorer-desktop-colour.png') });

  // Hover → a tooltip with every column; click → row details + more like this.
  await page.getByTestId('explorer-mode-pan').click();
  await page.getByTestId('explorer-canvas').dblclick({ position: { x: 5, y: 5 } });
  let tipFound = false;
  for (let dx = -60; dx <= 60 && !tipFound; dx += 6) {
    await page.mouse.move(cx + dx, cy + dx / 2);
    tipFound = await page
      .getByTestId('explorer-tip')
      .waitFor({ timeout: 400 })
      .then(() => true)
      .catch(() => false);
  }
  expect(tipFound, 'hovering the middle of the map finds a point').toBe(true);
  await expect.poll(() => page.getByTestId('explorer-tip').textContent()).toMatch(/row #\d+.*id.*text.*Item \d+ about.*topic.*score/);
  await page.screenshot({ path: join(ARTIFACTS_DIR, 'explorer-desktop-hover.png') });
  await page.mouse.down();
  await page.mouse.up();
  const details = page.getByTestId('row-details');
  await details.waitFor();
  const topic = (await page.getByTestId('row-field-topic').textContent())!;
  expect(await page.getByTestId('row-field-text').textContent()).toContain(`about ${topic}`);
  // More like this: 50 neighbours by embedding; in the synthetic clusters most share the topic.
  await expect.poll(() => page.getByTestId('similar-row').count(), { timeout: 30_000 }).toBeGreaterThan(8);
  const neighbourTexts = await page.getByTestId('similar-row').allTextContents();
  const same = neighbourTexts.filter((t) => t.includes(`about ${topic}`)).length;
  expect(same / neighbourTexts.length).toBeGreaterThan(0.8);
  // A neighbour is clickable and opens that row.
  const next = page.getByTestId('similar-row').nth(1);
  const nextRow = await next.getAttribute('data-row');
  await next.click();
  await expect.poll(() => details.locator('strong').first().textContent()).toBe(`Row #${Number(nextRow) + 1}`); // shown 1-based, like the file
  await page.screenshot({ path: join(ARTIFACTS_DIR, 'explorer-desktop-details.png') });

  await page.screenshot({ path: join(ARTIFACTS_DIR, 'explorer-desktop.png'), fullPage: true });
  await page.getByTestId('cell-results').screenshot({ path: join(ARTIFACTS_DIR, 'explorer-desktop-cell.png') });
  expect(errors).toEqual([]);
  await page.context().close();
});

// Lasso at the full size. It once "failed at 100,000": the loop closes where it began, and
// regl-scatterplot took that release for a click and replaced the lasso's rows with the one point
// nearest to it — at 20,000 points there was often none near, at 100,000 always one. The scatter
// now ignores that click (webgl-scatter.tsx); the long tasks after the release stay ~100 ms.
const LASSO_ROWS = Number(process.env.E2E_LASSO_ROWS ?? ROWS);

test(`lasso → selection table (${LASSO_ROWS.toLocaleString('en-US')} points)`, { timeout: 600_000 }, async () => {
  const { page, errors } = await openApp(browser, inject('appUrl'), DESKTOP);
  await loadSynthetic(page, LASSO_ROWS);
  await expect.poll(() => page.getByTestId('explorer-caption').getAttribute('data-phase'), { timeout: 400_000, interval: 500 }).toBe('done');
  const canvas = page.getByTestId('explorer-canvas');
  // Lasso → the selection table, with every column. 
  await page.getByTestId('explorer-mode-lasso').click();
  await canvas.scrollIntoViewIfNeeded();
  const lb = (await canvas.boundingBox())!;
  const [lx, ly] = [lb.x + lb.width / 2, lb.y + lb.height / 2];
  await page.mouse.move(lx - 80, ly - 60);
  const tLasso = Date.now();
  await page.mouse.down();
  for (const [x, y] of [
    [lx + 80, ly - 60],
    [lx + 80, ly + 60],
    [lx - 80, ly + 60],
    [lx - 80, ly - 60],
  ]) {
    await page.mouse.move(x, y, { steps: 12 });
  }
  await page.evaluate(() => {
    const w = window as unknown as { __long: Array<[number, number]> };
    w.__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => w.__long.push([Math.round(e.startTime), Math.round(e.duration)]))).observe({ type: 'longtask' });
  });
  const t = Date.now();
  await page.mouse.up();
  console.log(`lasso: drawn in ${((t - tLasso) / 1000).toFixed(1)} s, state after mouseup: ${await canvas.getAttribute('data-lasso')}`);
  const count = page.getByTestId('selection-count');
  await expect.poll(() => canvas.getAttribute('data-selected'), { timeout: 90_000 }).not.toBeNull();
  console.log(`lasso: select event with ${await canvas.getAttribute('data-selected')} points ${((Date.now() - t) / 1000).toFixed(1)} s after mouseup`);
  await count.waitFor({ timeout: 90_000 }).catch(async (e: unknown) => {
    console.log(`lasso: long tasks after mouseup ${JSON.stringify(await page.evaluate(() => (window as unknown as { __long: unknown }).__long))}`);
    throw e;
  });
  console.log(`lasso: selection shown ${((Date.now() - t) / 1000).toFixed(1)} s after mouseup`);
  const selected = Number((await count.textContent())!.replace(/[^\d]/g, ''));
  console.log(`explorer lasso selected ${selected} of ${LASSO_ROWS} rows`);
  expect(selected).toBeGreaterThan(20);
  expect(selected).toBeLessThan(LASSO_ROWS);
  await expect.poll(() => page.getByTestId('selection-row').count()).toBeGreaterThan(3);
  const firstSel = await page.getByTestId('selection-row').first().textContent();
  expect(firstSel).toMatch(/#\d+.*ok.*Item \d+ about/);
  await page.screenshot({ path: join(ARTIFACTS_DIR, 'explorer-desktop-lasso.png'), fullPage: true });

  expect(errors).toEqual([]);
  await page.context().close();
});

test('explorer on a phone (390×844): tap a point for its details', { timeout: 600_000 }, async () => {
  const context = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(inject('appUrl'));
  await page.locator('h1').waitFor();
  await loadSynthetic(page);
  await expect.poll(() => page.getByTestId('explorer-caption').getAttribute('data-phase'), { timeout: 400_000, interval: 500 }).toBe('done');
  await page.getByTestId('explorer-colour').selectOption('score');
  await page.getByTestId('explorer-legend').waitFor();
  // Find a point (the tooltip appears over one), then tap it: the details open without hover.
  const canvas = page.getByTestId('explorer-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  let at: [number, number] | null = null;
  for (let dx = -80; dx <= 80 && !at; dx += 5) {
    const p: [number, number] = [box.x + box.width / 2 + dx, box.y + box.height / 2 + dx / 3];
    await page.mouse.move(...p);
    if (await page.getByTestId('explorer-tip').waitFor({ timeout: 300 }).then(() => true, () => false)) at = p;
  }
  expect(at, 'a point under the finger').not.toBeNull();
  await page.touchscreen.tap(...at!);
  await page.getByTestId('row-details').waitFor({ timeout: 20_000 });
  await expect.poll(() => page.getByTestId('similar-row').count(), { timeout: 30_000 }).toBeGreaterThan(8);
  await page.getByTestId('cell-results').screenshot({ path: join(ARTIFACTS_DIR, 'explorer-phone-cell.png') });
  await page.screenshot({ path: join(ARTIFACTS_DIR, 'explorer-phone.png'), fullPage: true });
  expect(errors).toEqual([]);
  await page.context().close();
});
