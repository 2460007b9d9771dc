// `npm run bench -- explorer-frames [points]`: frame time of the explorer's scatter during
// pan/zoom on a software GL backend (SwiftShader unless BENCH_GL names others), three renderers
// alternating in the same run: the app's (plot-sized, no multisampling, ADAPTIVE: transformed snapshots during a
// gesture when real frames are slow, a real frame on settle), the same drawing every frame for
// real, and regl-scatterplot's default (window-sized, 4× MSAA). Prints gesture frame time, the
// settle redraw's latency and cost, rAF intervals under real wheel/drag input, and how far a
// snapshot's pixels are from the real frame. Default 100,000 points; BENCH_GL=swiftshader,llvmpipe
// picks backends, BENCH_ROUNDS rounds (2), BENCH_INPUT_S the input time cap.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GL_BACKENDS, launchChromium, type GlBackend } from '../e2e/browser';
import { buildPages, pagePath } from '../e2e/pages-build';
import { serveStatic } from '../e2e/static-server';

const here = fileURLToPath(new URL('.', import.meta.url));
/** Renderers compared: the app's (adaptive), the same drawing every frame for real, and the library's default. */
const VARIANTS = ['adaptive', 'plot', 'library-default'] as const;
type Which = (typeof VARIANTS)[number];

interface FrameStats {
  full: number;
  snapshot: number;
  fullMs: number[];
}

interface Result {
  backend: GlBackend;
  renderer: Which;
  glRenderer: string;
  /** Real wheel + drag input: rAF intervals while it plays, and the scatter's frames. */
  input: { median: number; mean: number; p95: number; frames: number; draws: number; full: number | null; snapshot: number | null };
  /** Programmatic gesture, one camera change per drawn frame: time from each change to its frame. */
  gesture: { median: number; mean: number; p95: number; frames: number; snapshots: number; fullMedian: number | null; snapshotMedian: number | null; ms: number[] };
  /** The real frame after a gesture (median of SETTLES): from the last camera change until it is finished, and its own cost. */
  settle: { latencyMs: number; costMs: number } | null;
  /** Pixels that differ from the real frame at the same camera: a snapshot's and the stale frame's share. */
  fidelity: { snapshot: number; stale: number; kind: string } | null;
}

const INPUT_S = Number(process.env.BENCH_INPUT_S ?? 60);
const GESTURE_STEPS = 60;
/** Short gestures whose settle (the real frame after the camera stops) is timed; medians printed. */
const SETTLES = 7;
/** Snapshot fidelity: from view(0.9, 0.05, 0) to a 1.4× zoom with a move (as e2e/scatter-snapshot.spec.ts). */
const FIDELITY_VIEW = [1.26, 0, 0, 0, 0, 1.26, 0, 0, 0, 0, 1, 0, 0.2, -0.1, 0, 1];

const quantile = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const medianOrNull = (xs: number[]) => (xs.length ? quantile(sorted(xs), 0.5) : null);

async function measure(url: string, backend: GlBackend, which: Which, n: number): Promise<Result> {
  const browser = await launchChromium({ webgl: true, gl: backend });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    // Strings, not functions: tsx's transform would add helpers the page does not have.
    const glRenderer = (await page.evaluate(`window.scatterFrames(${n}, ${JSON.stringify(which)})`)) as string;
    const canvas = page.locator('[data-testid="scatter"]');
    const box = (await canvas.boundingBox())!;
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    const drawsBefore = Number((await canvas.getAttribute('data-draws')) ?? 0);
    const statsBefore = (await page.evaluate('window.frameStats()')) as FrameStats | null;
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
    const frames = sorted((await page.evaluate('window.stopFrames()')) as number[]);
    const draws = Number(await canvas.getAttribute('data-draws')) - drawsBefore;
    const statsAfter = (await page.evaluate('window.frameStats()')) as FrameStats | null;
    const g = (await page.evaluate(`window.cameraFrames(${GESTURE_STEPS})`)) as { ms: number[]; kinds: Array<'full' | 'snapshot'> };
    const settles = which === 'adaptive' ? ((await page.evaluate(`window.settleFrames(${SETTLES})`)) as Array<{ latencyMs: number; costMs: number }> | null) : null;
    const settle = settles?.length ? { latencyMs: quantile(sorted(settles.map((x) => x.latencyMs)), 0.5), costMs: quantile(sorted(settles.map((x) => x.costMs)), 0.5) } : null;
    const fidelity = which === 'adaptive' ? ((await page.evaluate(`window.snapshotFidelity(${JSON.stringify(FIDELITY_VIEW)})`)) as Result['fidelity']) : null;
    const gs = sorted(g.ms);
    return {
      backend,
      renderer: which,
      glRenderer,
      input: {
        median: quantile(frames, 0.5),
        mean: mean(frames),
        p95: quantile(frames, 0.95),
        frames: frames.length,
        draws,
        full: statsAfter && statsBefore ? statsAfter.full - statsBefore.full : null,
        snapshot: statsAfter && statsBefore ? statsAfter.snapshot - statsBefore.snapshot : null,
      },
      gesture: {
        median: quantile(gs, 0.5),
        mean: mean(gs),
        p95: quantile(gs, 0.95),
        frames: gs.length,
        snapshots: g.kinds.filter((k) => k === 'snapshot').length,
        fullMedian: medianOrNull(g.ms.filter((_, i) => g.kinds[i] === 'full')),
        snapshotMedian: medianOrNull(g.ms.filter((_, i) => g.kinds[i] === 'snapshot')),
        ms: g.ms,
      },
      settle,
      fidelity,
    };
  } finally {
    await browser.close();
  }
}

const ms = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(1));

/** Same-run ratios: the app's adaptive renderer's gesture frames against every-frame-real on the same backend (all rounds pooled). */
function sameRunRatios(results: Result[]): string[] {
  const out: string[] = [];
  for (const backend of new Set(results.map((r) => r.backend))) {
    const pooled = (which: Which) => results.filter((r) => r.backend === backend && r.renderer === which).flatMap((r) => r.gesture.ms);
    const [a, p, d] = (['adaptive', 'plot', 'library-default'] as const).map(pooled);
    if (!a.length || !p.length) continue;
    const [am, pm] = [medianOrNull(a)!, medianOrNull(p)!];
    out.push(
      '',
      `${backend}, gesture frames of all rounds: adaptive median ${ms(am)} ms (${(1000 / am).toFixed(0)} fps), mean ${ms(mean(a))} ms; every frame real median ${ms(pm)} ms (${(1000 / pm).toFixed(0)} fps), mean ${ms(mean(p))} ms — ${(pm / am).toFixed(1)}× shorter (median), ${(mean(p) / mean(a)).toFixed(1)}× (mean)${d.length ? `; library default median ${ms(medianOrNull(d))} ms` : ''}`,
    );
  }
  return out;
}

export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 100_000);
  if (!Number.isInteger(n) || n < 1 || n > 5_000_000) throw new Error(`points must be an integer 1–5,000,000, got ${args[0]}`);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  // SwiftShader unless asked: llvmpipe takes ~1 s a frame (docs/app.md), lavapipe does not start here.
  const backends = (process.env.BENCH_GL?.split(',') ?? ['swiftshader']) as GlBackend[];
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
        const order = [...VARIANTS];
        for (const which of r % 2 ? order.reverse() : order) {
          const res = await measure(url, backend, which, n).catch((err: unknown) => {
            console.log(`  ${backend} / ${which}: failed — ${String(err).split('\n')[0]}`);
            return null;
          });
          if (!res) continue;
          results.push(res);
          console.log(
            `  ${backend} (${res.glRenderer}) / ${which}: gesture frames median ${ms(res.gesture.median)} ms, mean ${ms(res.gesture.mean)} ms, p95 ${ms(res.gesture.p95)} ms (${res.gesture.snapshots}/${res.gesture.frames} snapshots); settle ${res.settle ? `${ms(res.settle.latencyMs)} ms after the last change, real frame ${ms(res.settle.costMs)} ms` : '–'}; input rAF median ${ms(res.input.median)} ms, mean ${ms(res.input.mean)} ms${res.fidelity ? `; snapshot pixels off ${(100 * res.fidelity.snapshot).toFixed(2)}% (stale frame ${(100 * res.fidelity.stale).toFixed(2)}%)` : ''}`,
          );
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
    `gesture: ${GESTURE_STEPS} programmatic pan/zoom steps, one per drawn frame, time from each camera change to its frame (adaptive: real frames and transformed snapshots); settle (adaptive, median of ${SETTLES} short gestures): from the last camera change until the real frame that shows it is finished (a 1-pixel read waits for the GL), and that frame's own cost; input: rAF intervals during real wheel + drag events; snapshot off: after a 1.4× zoom, pixels (any channel > 48/255) of the snapshot that differ from the real frame at the same camera, against the stale frame's`,
    '',
    `GL renderers: ${[...new Set(results.map((r) => `${r.backend} = ${r.glRenderer}`))].join('; ')}`,
    '',
    '| GL backend | renderer | gesture median ms | gesture mean ms | gesture p95 ms | snapshots | real frame in gesture, median ms | snapshot frame, median ms | settle latency ms | settle real frame ms | input rAF median ms | input rAF mean ms | snapshot off (stale) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.backend} | ${r.renderer} | ${ms(r.gesture.median)} | ${ms(r.gesture.mean)} | ${ms(r.gesture.p95)} | ${r.gesture.snapshots}/${r.gesture.frames} | ${ms(r.gesture.fullMedian)} | ${ms(r.gesture.snapshotMedian)} | ${ms(r.settle?.latencyMs)} | ${ms(r.settle?.costMs)} | ${ms(r.input.median)} | ${ms(r.input.mean)} | ${r.fidelity ? `${(100 * r.fidelity.snapshot).toFixed(2)}% (${(100 * r.fidelity.stale).toFixed(2)}%)` : '–'} |`,
    ),
    ...sameRunRatios(results),
  ];
  console.log(lines.join('\n'));
  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'explorer-frames.json'), JSON.stringify({ points: n, load, results }, null, 2));
  writeFileSync(join(out, 'explorer-frames.md'), `${lines.join('\n')}\n`);
}
