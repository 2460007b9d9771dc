// The WebGL renderer behind the explorer's scatter. regl-scatterplot's default renderer is one
// shared WebGL canvas the size of the WINDOW, with 4× multisampling (antialias: true); every frame
// clears and draws into a float framebuffer of that size, runs a gamma pass over all of it and
// copies the plot's part onto the plot's 2-D canvas. With a software GL (SwiftShader, llvmpipe)
// that cost is per pixel, not per point: at 1440×900 three times the plot's pixels, times four
// samples. This renderer is sized to the plot and has no multisampling (the point shader already
// smooths each point's edge), so a frame touches only the plot's pixels once.
//
// It is also ADAPTIVE (gesture-frames.ts decides): when real frames are slower than the frame
// budget, a camera-only frame during pan/zoom is the last real frame — still on this renderer's
// canvas (preserveDrawingBuffer) — drawn onto the plot moved and scaled by the camera's change, one
// 2-D drawImage; the points are drawn for real when the camera settles and now and then during a
// long gesture. On a GPU that draws within budget every frame stays real.
import type createScatterplot from 'regl-scatterplot';
import { createRegl, createRenderer } from 'regl-scatterplot';
import { GESTURE_FRAMES, GestureFramePolicy, snapshotStaleness, snapshotTransform, viewsDiffer, type GestureFrameOptions } from './gesture-frames';

type Renderer = ReturnType<typeof createRenderer>;
type Scatterplot = ReturnType<typeof createScatterplot>;

/** Frames drawn so far, for the bench and the e2e. */
export interface FrameStats {
  full: number;
  snapshot: number;
  /** What the last camera-driven real frames cost, start → drawn (ms; at most STATS_KEPT). */
  fullMs: number[];
  /** performance.now() at the start of the last real frame. */
  lastFullAt: number;
}

const STATS_KEPT = 500;

export interface PlotRenderer {
  renderer: Renderer;
  /** Sizes the renderer to the plot's canvas (call on every resize). */
  fit(target: HTMLCanvasElement): void;
  /** Connects the scatterplot drawn with `renderer`: its camera, points and selection, and its redraw for the settle. */
  attach(sp: Scatterplot): void;
  /** The next frame draws for real: data, colours or the selection are about to change. */
  invalidate(): void;
  readonly stats: FrameStats;
}

/**
 * A renderer for one plot. `adaptive: false` draws every frame for real (the bench's comparison);
 * `policy` overrides GESTURE_FRAMES (the snapshot e2e sets budgetMs 0 to get snapshots on any GL).
 */
export function plotRenderer({ adaptive = true, policy: options }: { adaptive?: boolean; policy?: Partial<GestureFrameOptions> } = {}): PlotRenderer {
  const canvas = document.createElement('canvas');
  // A canvas's first getContext call fixes its attributes; createRegl's own call (antialias: true)
  // then receives this context. preserveDrawingBuffer keeps the last real frame for snapshots.
  const gl = canvas.getContext('webgl', { antialias: false, preserveDrawingBuffer: true });
  const renderer = createRenderer({ regl: createRegl(canvas), canvas });
  const o: GestureFrameOptions = { ...GESTURE_FRAMES, ...options };
  const policy = new GestureFramePolicy(o);
  const stats: FrameStats = { full: 0, snapshot: 0, fullMs: [], lastFullAt: 0 };
  let sp: Scatterplot | null = null;
  /** The camera view of the frame now on the renderer's canvas. */
  let shownView: number[] | null = null;
  let settle: ReturnType<typeof setTimeout> | undefined;

  // What a camera-driven real frame costs: a GL queues its work and the call returns early, so the
  // frame is timed to a 1-pixel read, which waits until the GL has drawn it. On a GPU that is a
  // millisecond or two; on a software GL the whole frame, paid here instead of by the next one.
  const pixel = new Uint8Array(4);
  const finish = () => gl?.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);

  // The points and selection of the frame on the renderer's canvas. regl-scatterplot announces a
  // selection with an event that arrives after the next frame (its events are async), so a frame
  // compares them itself: a snapshot must never show an old selection or old points.
  let shownPoints: unknown = null;
  let shownSelection: number[] = [];
  const sceneChanged = (plot: Scatterplot) => plot.get('points') !== shownPoints || !sameIndices(plot.get('selectedPoints'), shownSelection);

  const realRender = renderer.render;
  renderer.render = (draw, target) => {
    const start = performance.now();
    const plot = sp && !sp.get('isDestroyed') ? sp : null;
    const view = plot ? Array.from(plot.get('cameraView')) : null;
    const sameSize = canvas.width === target.width && canvas.height === target.height;
    const moved = view !== null && shownView !== null && viewsDiffer(view, shownView);
    const moving = adaptive && plot && sameSize && view && shownView && moved ? snapshotTransform(shownView, view, target.width, target.height) : null;
    const staleness = moving ? snapshotStaleness(moving, target.width, target.height) : Infinity;
    const m = moving && policy.choose(start, moved, staleness) === 'snapshot' && !sceneChanged(plot!) ? moving : null;
    const ctx = m ? target.getContext('2d') : null;
    clearTimeout(settle);
    if (m && ctx) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, target.width, target.height);
      ctx.setTransform(...m);
      ctx.drawImage(canvas, 0, 0);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      stats.snapshot++;
      // Draw for real once the camera has been still for settleMs.
      settle = setTimeout(() => {
        policy.invalidate();
        sp?.redraw();
      }, o.settleMs);
    } else {
      realRender(draw, target);
      policy.drewFull();
      shownView = view;
      shownPoints = plot?.get('points') ?? null;
      shownSelection = plot?.get('selectedPoints') ?? [];
      stats.full++;
      stats.lastFullAt = start;
      if (moved && adaptive) {
        finish();
        const ms = performance.now() - start;
        policy.measuredFull(ms);
        stats.fullMs.push(ms);
        if (stats.fullMs.length > STATS_KEPT) stats.fullMs.shift();
      }
    }
  };

  const realDestroy = renderer.destroy;
  renderer.destroy = () => {
    clearTimeout(settle);
    sp = null;
    realDestroy();
  };

  return {
    renderer,
    stats,
    fit(target) {
      const { width, height } = target.getBoundingClientRect();
      if (width < 1 || height < 1) return;
      renderer.resize(Math.round(width), Math.round(height));
      renderer.refresh();
      policy.invalidate();
    },
    attach(plot) {
      sp = plot;
    },
    invalidate: () => policy.invalidate(),
  };
}

function sameIndices(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
