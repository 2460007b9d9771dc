// `npm run bench -- explorer-frames [points]`: frame time of the explorer's scatter during
// pan/zoom (real wheel and drag input, rAF intervals measured in the page) for each software GL
// backend Chromium can use here, with the app's renderer (plot-sized, no multisampling) and
// regl-scatterplot's default (window-sized, 4× MSAA) alternating in the same run. Default 100,000
// points; BENCH_GL=swiftshader,llvmpipe picks backends, BENCH_ROUNDS rounds, BENCH_INPUT_S the input time cap.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GL_BACKENDS, launchChromium, type GlBackend } from '../e2e/browser';
import { buildPages, pagePath } from '../e2e/pages-build';
import { serveStatic } from '../e2e/static-server';

const here = fileURLToPath(new URL('.', import.meta.url));
type Which = 'plot' | 'library-default' | 'plot+performanceMode';
/** Renderers compared: the app's, the library's default, and the app's with square unblended points. */
const VARIANTS: Record<Which, { renderer: 'plot' | 'library-default'; options: Record<string, unknown> }> = {
  plot: { renderer: 'plot', options: {} },
  'library-default': { renderer: 'library-default', options: {} },
  'plot+performanceMode': { renderer: 'plot', options: { performanceMode: true } },
};

interface Result {
  backend: GlBackend;
  renderer: Which;
  glRenderer: string;
  frames: number;
  medianMs: number;
  meanMs: number;
  p95Ms: number;
  draws: number;
  /** Programmatic pan/zoom, one camera change per frame: each frame's time from the change to its draw. */
  cameraMedianMs: number;
  cameraMeanMs: number;
}

const INPUT_S = Number(process.env.BENCH_INPUT_S ?? 60);

const quantile = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];

async function measure(url: string, backend: GlBackend, which: Which, n: number): Promise<Result> {
  const browser = await launchChromium({ webgl: true, gl: backend });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    // Strings, not functions: tsx's transform would add helpers the page does not have.
    const glRenderer = (await page.evaluate(`window.scatterFrames(${n}, ${JSON.stringify(VARIANTS[which].renderer)}, ${JSON.stringify(VARIANTS[which].options)})`)) as string;
    const canvas = page.locator('[data-testid="scatter"]');
    const box = (await canvas.boundingBox())!;
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    const drawsBefore = Number((await canvas.getAttribute('data-draws')) ?? 0);
    await page.evaluate('window.startFrames()');
    // The same input as e2e/explorer.spec.ts; each event waits for a frame, so a slow backend
    // gets at most INPUT_S seconds of it.
    const deadline = Date.now() + INPUT_S * 1000;
    await page.mouse.move(cx, cy);
    for (let i = 0; i < 20 && Date.now() < deadline; i++) await page.mouse.wheel(0, i < 10 ? -120 : 120);
    for (let k = 0; k < 3 && Date.now() < deadline; k++) {
      await page.mouse.down();
      for (let s = 1; s <= 15 && Date.now() < deadline; s++) await page.mouse.move(cx + Math.cos(s / 2.4 + k) * 120, cy + Math.sin(s / 2.4 + k) * 80);
      await page.mouse.up();
    }
    const frames = (await page.evaluate('window.stopFrames()')) as number[];
    const draws = Number(await canvas.getAttribute('data-draws')) - drawsBefore;
    const cam = ((await page.evaluate('window.cameraFrames(30)')) as number[]).sort((a, b) => a - b);
    const s = [...frames].sort((a, b) => a - b);
    return { backend, renderer: which, glRenderer, frames: s.length, medianMs: quantile(s, 0.5), meanMs: s.reduce((a, b) => a + b, 0) / s.length, p95Ms: quantile(s, 0.95), draws, cameraMedianMs: quantile(cam, 0.5), cameraMeanMs: cam.reduce((a, b) => a + b, 0) / cam.length };
  } finally {
    await browser.close();
  }
}

export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 100_000);
  if (!Number.isInteger(n) || n < 1 || n > 5_000_000) throw new Error(`points must be an integer 1–5,000,000, got ${args[0]}`);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const backends = (process.env.BENCH_GL?.split(',') ?? Object.keys(GL_BACKENDS)) as GlBackend[];
  for (const b of backends) if (!(b in GL_BACKENDS)) throw new Error(`BENCH_GL: ${b} is not one of ${Object.keys(GL_BACKENDS).join(', ')}`);
  const dist = await buildPages();
  const server = await serveStatic({ '/': dist });
  const url = `${server.url}${pagePath('scatter-frames')}`;
  const results: Result[] = [];
  const load = [loadavg()[0]];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const backend of backends) {
        // Alternate which renderer goes first: the load changes during the run.
        const order = Object.keys(VARIANTS) as Which[];
        for (const which of r % 2 ? order.reverse() : order) {
          const res = await measure(url, backend, which, n).catch((err: unknown) => {
            console.log(`  ${backend} / ${which}: failed — ${String(err).split('\n')[0]}`);
            return null;
          });
          if (!res) continue;
          results.push(res);
          console.log(`  ${backend} (${res.glRenderer}) / ${which}: median ${res.medianMs.toFixed(1)} ms, mean ${res.meanMs.toFixed(1)} ms, p95 ${res.p95Ms.toFixed(1)} ms over ${res.frames} frames, ${res.draws} draws; camera-driven frames median ${res.cameraMedianMs.toFixed(1)} ms, mean ${res.cameraMeanMs.toFixed(1)} ms`);
        }
      }
    }
  } finally {
    await server.close();
  }
  load.push(loadavg()[0]);
  const lines = [
    `explorer frame time, ${n.toLocaleString('en-US')} points, 860×480 plot in a 1440×900 page, headless Chromium; load average ${load.map((l) => l.toFixed(1)).join(' → ')}`,
    '',
    'input: wheel + drag events (rAF intervals while they play); camera: 30 programmatic pan/zoom steps, time from each change to its draw',
    '',
    '| GL backend | renderer | input median ms | input mean ms | input p95 ms | frames | draws | camera median ms | camera mean ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.backend} (${r.glRenderer}) | ${r.renderer} | ${r.medianMs.toFixed(1)} | ${r.meanMs.toFixed(1)} | ${r.p95Ms.toFixed(1)} | ${r.frames} | ${r.draws} | ${r.cameraMedianMs.toFixed(1)} | ${r.cameraMeanMs.toFixed(1)} |`),
  ];
  console.log(lines.join('\n'));
  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'explorer-frames.json'), JSON.stringify({ points: n, load, results }, null, 2));
  writeFileSync(join(out, 'explorer-frames.md'), `${lines.join('\n')}\n`);
}
