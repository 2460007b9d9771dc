// Bench page: the explorer's scatter (regl-scatterplot with the app's options and renderer) over
// n clustered points, so `npm run bench -- explorer-frames` can time pan/zoom frames per GL
// backend without a projection run, and e2e/scatter-snapshot.spec.ts can check the adaptive
// renderer's snapshots against real frames. `window.scatterFrames(n, renderer)` draws and resolves.
import createScatterplot from 'regl-scatterplot';
import { SCATTER_OPTIONS } from '../../src/app/features/results/scatter-options';
import { plotRenderer, type FrameStats } from '../../src/app/features/results/scatter-renderer';
import type { GestureFrameOptions } from '../../src/app/features/results/gesture-frames';
import { mulberry32 } from '../../src/core/prng';

/** Which renderer: the app's (adaptive), the same drawing every frame for real, or the library's default. */
type Which = 'adaptive' | 'plot' | 'library-default';

interface GestureFrames {
  /** Per camera change: time from the change to its drawn frame (ms), and what kind of frame it was. */
  ms: number[];
  kinds: Array<'full' | 'snapshot'>;
}

interface Settle {
  /** From the gesture's last camera change until the real frame that shows it is finished (ms). */
  latencyMs: number;
  /** That real frame's own cost: from its start until it is finished (ms). */
  costMs: number;
}

declare global {
  interface Window {
    scatterFrames?: (n: number, renderer: Which, options?: Record<string, unknown>, policy?: Partial<GestureFrameOptions>) => Promise<string>;
    /** Records requestAnimationFrame intervals until `stopFrames` returns them (ms). */
    startFrames?: () => void;
    stopFrames?: () => number[];
    /** A pan/zoom gesture of `k` camera changes, one per drawn frame. */
    cameraFrames?: (k: number) => Promise<GestureFrames>;
    /** `k` short gestures that end on a snapshot, each followed by its settle's real frame (null on a renderer with no snapshots). */
    settleFrames?: (k: number) => Promise<Settle[] | null>;
    /** Snapshot fidelity: share of pixels that differ between a snapshot and the real frame at the same camera, and for the stale frame. */
    snapshotFidelity?: () => Promise<{ snapshot: number; stale: number; kind: string }>;
    frameStats?: () => FrameStats | null;
  }
}

const nextFrame = () => new Promise<number>((r) => requestAnimationFrame(r));

window.scatterFrames = async (n, which, options = {}, policy = {}) => {
  const box = document.createElement('div');
  box.style.cssText = 'position:relative;width:860px;height:480px';
  const canvas = document.createElement('canvas');
  canvas.style.cssText = 'display:block;width:100%;height:100%';
  canvas.dataset.testid = 'scatter';
  box.append(canvas);
  document.body.append(box);
  const own = which === 'library-default' ? null : plotRenderer({ adaptive: which === 'adaptive', policy });
  own?.fit(canvas);
  const sp = createScatterplot({ canvas, width: 'auto', height: 'auto', ...SCATTER_OPTIONS, ...options, ...(own ? { renderer: own.renderer } : {}) });
  own?.attach(sp);
  let draws = 0;
  sp.subscribe('draw', () => (canvas.dataset.draws = String(++draws)));
  const rand = mulberry32(7);
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 12;
    const r = Math.sqrt(-2 * Math.log(rand() + 1e-9)) * 0.08;
    const a = rand() * 2 * Math.PI;
    x[i] = Math.max(-1, Math.min(1, Math.cos(c) * 0.6 + r * Math.cos(a)));
    y[i] = Math.max(-1, Math.min(1, Math.sin(c) * 0.6 + r * Math.sin(a)));
  }
  await sp.draw({ x, y });
  const stats = own?.stats;
  window.frameStats = () => (stats ? { ...stats, fullMs: [...stats.fullMs] } : null);
  /** A view matrix: scale s, translation tx, ty. */
  const view = (s: number, tx: number, ty: number) => [s, 0, 0, 0, 0, s, 0, 0, 0, 0, 1, 0, tx, ty, 0, 1];
  /** Sets the camera and resolves with the time until its frame was drawn. */
  const change = async (v: number[]) => {
    const t0 = performance.now();
    const drawn = new Promise<void>((r) => sp.subscribe('draw', () => r(), 1));
    sp.view(v);
    await drawn;
    return performance.now() - t0;
  };
  let lastChangeAt = 0;
  window.cameraFrames = async (k) => {
    const out: GestureFrames = { ms: [], kinds: [] };
    for (let i = 0; i < k; i++) {
      const snapshots = stats?.snapshot ?? 0;
      // Zoom in and out around a drifting centre.
      out.ms.push(await change(view(1 + 0.5 * Math.sin(i / 5), 0.2 * Math.cos(i / 7), 0.2 * Math.sin(i / 7))));
      out.kinds.push((stats?.snapshot ?? 0) > snapshots ? 'snapshot' : 'full');
    }
    return out;
  };
  /**
   * Waits for the next real frame after `count` of them, then for its pixels (a 1-pixel read of the
   * plot waits for the GL to finish it): ms from that frame's start to then, or null after 10 s.
   */
  const realFrameAfter = async (count: number): Promise<number | null> => {
    const until = performance.now() + 10_000;
    while (stats && stats.full <= count && performance.now() < until) await nextFrame();
    if (!stats || stats.full <= count) return null;
    canvas.getContext('2d')!.getImageData(0, 0, 1, 1);
    return performance.now() - stats.lastFullAt;
  };
  window.settleFrames = async (k) => {
    if (!stats) return null;
    const out: Settle[] = [];
    for (let r = 0; r < k; r++) {
      // A short gesture (4 camera changes, a frame each) that ends on a snapshot, then the settle.
      let ended: 'full' | 'snapshot' = 'full';
      for (let i = 0; i < 4 || ended === 'full'; i++) {
        if (i > 40) return null;
        const snapshots = stats.snapshot;
        lastChangeAt = performance.now();
        await change(view(1.2 + 0.1 * Math.sin(r + i / 3), 0.1 * Math.cos(r + i), 0.1 * Math.sin(r - i)));
        ended = stats.snapshot > snapshots ? 'snapshot' : 'full';
      }
      const count = stats.full;
      const costMs = await realFrameAfter(count);
      if (costMs === null) return null;
      out.push({ latencyMs: performance.now() - lastChangeAt, costMs });
    }
    return out;
  };
  window.snapshotFidelity = async () => {
    const ctx = canvas.getContext('2d')!;
    const pixels = () => ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    // A real frame at camera A, then camera B (zoomed 1.4× and moved: a frame the gesture would show).
    // (directly, or the settle's real frame if that camera change was drawn as a snapshot)
    const before = stats?.full ?? 0;
    await change(view(0.9, 0.05, 0));
    await realFrameAfter(before);
    const stale = pixels();
    const snapshots = stats?.snapshot ?? 0;
    await change(view(1.4, 0.15, -0.1));
    const kind = (stats?.snapshot ?? 0) > snapshots ? 'snapshot' : 'full';
    const moved = pixels();
    const count = stats?.full ?? 0;
    if (kind === 'snapshot') await realFrameAfter(count);
    const real = pixels();
    // A pixel differs when any channel is off by more than 48 (of 255): a point missing or misplaced.
    const differ = (a: Uint8ClampedArray, b: Uint8ClampedArray) => {
      let d = 0;
      for (let i = 0; i < a.length; i += 4) {
        if (Math.abs(a[i] - b[i]) > 48 || Math.abs(a[i + 1] - b[i + 1]) > 48 || Math.abs(a[i + 2] - b[i + 2]) > 48 || Math.abs(a[i + 3] - b[i + 3]) > 48) d++;
      }
      return d / (a.length / 4);
    };
    return { snapshot: differ(moved, real), stale: differ(stale, real), kind };
  };
  const gl = document.createElement('canvas').getContext('webgl');
  const info = gl?.getExtension('WEBGL_debug_renderer_info');
  return gl ? String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : 'no WebGL';
};
let frames: number[] = [];
let recording = false;
window.startFrames = () => {
  frames = [];
  recording = true;
  let last = performance.now();
  const tick = (t: number) => {
    frames.push(t - last);
    last = t;
    if (recording) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};
window.stopFrames = () => {
  recording = false;
  return frames.slice(1);
};
document.body.dataset.ready = 'true';
