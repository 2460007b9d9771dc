// The WebGL renderer behind the explorer's scatter. regl-scatterplot's default renderer is one
// shared WebGL canvas the size of the WINDOW, with 4× multisampling (antialias: true); every frame
// clears and draws into a float framebuffer of that size, runs a gamma pass over all of it and
// copies the plot's part onto the plot's 2-D canvas. With a software GL (SwiftShader, llvmpipe)
// that cost is per pixel, not per point: at 1440×900 three times the plot's pixels, times four
// samples. This renderer is sized to the plot and has no multisampling (the point shader already
// smooths each point's edge), so a frame touches only the plot's pixels once.
import { createRegl, createRenderer } from 'regl-scatterplot';

type PlotRenderer = ReturnType<typeof createRenderer>;

/** A renderer for one plot; `fit(canvas)` sizes it to that canvas (call on every resize). */
export function plotRenderer(): { renderer: PlotRenderer; fit(target: HTMLCanvasElement): void } {
  const canvas = document.createElement('canvas');
  // A canvas's first getContext call fixes its attributes; createRegl's own call (antialias: true)
  // then receives this context.
  canvas.getContext('webgl', { antialias: false, preserveDrawingBuffer: true });
  const renderer = createRenderer({ regl: createRegl(canvas), canvas });
  return {
    renderer,
    fit(target) {
      const { width, height } = target.getBoundingClientRect();
      if (width < 1 || height < 1) return;
      renderer.resize(Math.round(width), Math.round(height));
      renderer.refresh();
    },
  };
}
