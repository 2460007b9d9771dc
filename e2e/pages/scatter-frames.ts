// Bench page: the explorer's scatter (regl-scatterplot with the app's options and renderer) over
// n clustered points, so `npm run bench -- explorer-frames` can time pan/zoom frames per GL
// backend without a projection run. `window.scatterFrames(n, renderer)` draws and resolves.
import createScatterplot from 'regl-scatterplot';
import { SCATTER_OPTIONS } from '../../src/app/features/results/scatter-options';
import { plotRenderer } from '../../src/app/features/results/scatter-renderer';
import { mulberry32 } from '../../src/core/prng';

declare global {
  interface Window {
    scatterFrames?: (n: number, renderer: 'plot' | 'library-default', options?: Record<string, unknown>) => Promise<string>;
    /** Records requestAnimationFrame intervals until `stopFrames` returns them (ms). */
    startFrames?: () => void;
    stopFrames?: () => number[];
    /** Pans and zooms the camera `k` times, one change per frame; the time each frame took to draw (ms). */
    cameraFrames?: (k: number) => Promise<number[]>;
  }
}

window.scatterFrames = async (n, which, options = {}) => {
  const box = document.createElement('div');
  box.style.cssText = 'position:relative;width:860px;height:480px';
  const canvas = document.createElement('canvas');
  canvas.style.cssText = 'display:block;width:100%;height:100%';
  canvas.dataset.testid = 'scatter';
  box.append(canvas);
  document.body.append(box);
  const own = which === 'plot' ? plotRenderer() : null;
  own?.fit(canvas);
  const sp = createScatterplot({ canvas, width: 'auto', height: 'auto', ...SCATTER_OPTIONS, ...options, ...(own ? { renderer: own.renderer } : {}) });
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
  window.cameraFrames = async (k) => {
    const times: number[] = [];
    for (let i = 0; i < k; i++) {
      const t0 = performance.now();
      const drawn = new Promise<void>((r) => sp.subscribe('draw', () => r(), 1));
      // A view matrix: zoom in and out around a drifting centre (scale s, translation tx, ty).
      const s = 1 + 0.5 * Math.sin(i / 5);
      sp.view([s, 0, 0, 0, 0, s, 0, 0, 0, 0, 1, 0, 0.2 * Math.cos(i / 7), 0.2 * Math.sin(i / 7), 0, 1]);
      await drawn;
      times.push(performance.now() - t0);
    }
    return times;
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
