// Bench page: the explorer's scatter (regl-scatterplot with the app's options and renderer) over
// n clustered points, so `npm run bench -- explorer-frames` can time pan/zoom frames per GL
// backend without a projection run, and e2e/scatter-snapshot.spec.ts can check the adaptive
// renderer's snapshots against real frames. `window.scatterFrames(n, renderer)` draws and resolves.
import createScatterplot from 'regl-scatterplot';
import { SCATTER_OPTIONS } from '../../src/app/features/results/scatter-options';
import { plotRenderer, type FrameStats } from '../../src/app/features/results/scatter-renderer';
import { snapshotTransform, type GestureFrameOptions } from '../../src/app/features/results/gesture-frames';
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
    /**
     * Snapshot fidelity for a camera change to view `to`: the share of pixels that differ between
     * the snapshot and the real frame at that camera, and between the stale frame and the real one.
     */
    snapshotFidelity?: (to: number[]) => Promise<{ snapshot: number; stale: number; kind: string }>;
    /** A camera change drawn as a snapshot, then a selection: whether the selection's frame was real. */
    selectAfterSnapshot?: () => Promise<{ snapshot: boolean; selectDrawnReal: boolean; msAfter: number }>;
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
  window.snapshotFidelity = async (to) => {
    const ctx = canvas.getContext('2d')!;
    const pixels = () => ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    // A real frame at camera A (directly, or the settle's real frame if that camera change was
    // drawn as a snapshot), then camera `to`: a frame a gesture would show.
    const from = view(0.9, 0.05, 0);
    const before = stats?.full ?? 0;
    await change(from);
    await realFrameAfter(before);
    const stale = pixels();
    const snapshots = stats?.snapshot ?? 0;
    await change(to);
    const kind = (stats?.snapshot ?? 0) > snapshots ? 'snapshot' : 'full';
    const moved = pixels();
    const count = stats?.full ?? 0;
    if (kind === 'snapshot') await realFrameAfter(count);
    const real = pixels();
    // Compared where the moved bitmap covers the plot (a pan or zoom-out leaves a border the old
    // frame has nothing for). A pixel differs when any channel is off by more than 48 (of 255).
    const [W, H] = [canvas.width, canvas.height];
    const [a, b, c, d, e, f] = snapshotTransform(to, from, W, H)!; // new pixel → old pixel
    let covered = 0;
    let offSnapshot = 0;
    let offStale = 0;
    const differ = (p: Uint8ClampedArray, q: Uint8ClampedArray, i: number) => [0, 1, 2, 3].some((k) => Math.abs(p[i + k] - q[i + k]) > 48);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const ox = a * (x + 0.5) + c * (y + 0.5) + e;
        const oy = b * (x + 0.5) + d * (y + 0.5) + f;
        if (ox < 1 || oy < 1 || ox > W - 1 || oy > H - 1) continue;
        covered++;
        const i = 4 * (y * W + x);
        if (differ(moved, real, i)) offSnapshot++;
        if (differ(stale, real, i)) offStale++;
      }
    }
    return { snapshot: offSnapshot / covered, stale: offStale / covered, kind };
  };
  window.selectAfterSnapshot = async () => {
    const snapshots = stats?.snapshot ?? 0;
    await change(view(1.1, -0.05, 0.05));
    const snapshot = (stats?.snapshot ?? 0) > snapshots;
    const full = stats?.full ?? 0;
    const t0 = performance.now();
    const drawn = new Promise<void>((r) => sp.subscribe('draw', () => r(), 1));
    sp.select([0, 1, 2, 3, 4]);
    await drawn;
    return { snapshot, selectDrawnReal: (stats?.full ?? 0) > full, msAfter: performance.now() - t0 };
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
