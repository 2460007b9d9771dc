// The WebGL scatter (regl-scatterplot): every point drawn, wheel/drag pan-zoom (pinch on touch),
// lasso (Lasso mode, shift-drag, or a long press on touch screens), click or tap to pick a point.
// Draw calls are serialised: regl-scatterplot refuses a draw while one is in flight, and UMAP
// frames arrive faster than that on a slow machine.
import createScatterplot from 'regl-scatterplot';
import { useEffect, useRef, useState } from 'react';
import type { PlotPoints } from './use-projection';
import type { PlotMode } from './explorer-store';
import { NEUTRAL, SCATTER_OPTIONS } from './scatter-options';
import { plotRenderer, type PlotRenderer } from './scatter-renderer';

type Scatterplot = ReturnType<typeof createScatterplot>;

export interface ScatterProps {
  points: PlotPoints | null;
  /** Colour code per result row (indexed by row), with one palette colour per code. */
  colours: { codes: Uint8Array; palette: string[] } | null;
  /** Result rows shown as selected (a lasso, search hits, a picked row). */
  selectedRows: number[];
  mode: PlotMode;
  /** Bumped to reset the camera to the whole map. */
  resetView: number;
  onHover(row: number | null, at: { x: number; y: number } | null): void;
  /** Rows picked on the plot; `lasso` is false for a single click/tap. */
  onSelect(rows: number[], lasso: boolean): void;
  onDeselect(): void;
}

/**
 * Long-press lasso only where touch is the main input: with a mouse, a drag that starts slowly
 * (a busy machine) would turn into a lasso instead of a pan; mice have Lasso mode and shift-drag.
 */
function hasWebgl(): boolean {
  try {
    return document.createElement('canvas').getContext('webgl') !== null;
  } catch {
    return false;
  }
}

function touchFirst(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
}

export function WebglScatter({ points, colours, selectedRows, mode, resetView, onHover, onSelect, onDeselect }: ScatterProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [webgl] = useState(hasWebgl);
  const plot = useRef<Scatterplot | null>(null);
  const ownRenderer = useRef<PlotRenderer | null>(null);
  const rowsRef = useRef<Int32Array | null>(null);
  const handlers = useRef({ onHover, onSelect, onDeselect });
  handlers.current = { onHover, onSelect, onDeselect };
  const drawing = useRef<{ busy: boolean; next: (() => Promise<void>) | null }>({ busy: false, next: null });

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    // A renderer of the plot's size with no multisampling, adaptive during gestures (scatter-renderer.ts says why).
    const own = plotRenderer();
    own.fit(c);
    const sp = createScatterplot({ canvas: c, width: 'auto', height: 'auto', ...SCATTER_OPTIONS, lassoOnLongPress: touchFirst(), renderer: own.renderer });
    own.attach(sp);
    plot.current = sp;
    ownRenderer.current = own;
    const resized = new ResizeObserver(() => {
      own.fit(c);
      sp.redraw();
    });
    resized.observe(c);
    let draws = 0;
    sp.subscribe('draw', () => {
      // Counted for the e2e frame-time measurement without a React render per frame: all frames,
      // and how many were real draws and transformed snapshots, with the last real frame's cost.
      c.dataset.draws = String(++draws);
      c.dataset.fullFrames = String(own.stats.full);
      c.dataset.snapshotFrames = String(own.stats.snapshot);
      c.dataset.lastFullMs = String(Math.round(own.stats.fullMs.at(-1) ?? 0));
    });
    // One mouse/touch press: did it draw a lasso, has the lasso ended, which points did it select.
    // regl-scatterplot also treats the release as a click when it lands where the press began —
    // which is where a user closes a lasso loop — and then selects the one point nearest to it,
    // replacing the lasso's selection. In a dense map (100,000 points) there always is such a
    // point, so the lasso's rows were lost; that click is ignored here. The lasso's own select
    // comes before its 'lassoEnd' (and the click after or, on a slow frame, before it).
    const press: { lasso: boolean; ended: boolean; selected: number[] | null } = { lasso: false, ended: false, selected: null };
    c.addEventListener('pointerdown', () => Object.assign(press, { lasso: false, ended: false, selected: null }), { capture: true });
    // Lasso and select milestones on the canvas, for the e2e test to tell a slow lasso from a lost one.
    sp.subscribe('lassoStart', () => {
      press.lasso = true;
      c.dataset.lasso = 'start';
    });
    sp.subscribe('lassoEnd', () => {
      press.ended = true;
      c.dataset.lasso = 'end';
    });
    sp.subscribe('pointOver', (i) => {
      const pos = sp.getScreenPosition(i);
      const row = rowsRef.current?.[i];
      if (row !== undefined && pos) handlers.current.onHover(row, { x: pos[0], y: pos[1] });
    });
    sp.subscribe('pointOut', () => handlers.current.onHover(null, null));
    sp.subscribe('select', ({ points: idx }) => {
      const rows = rowsRef.current;
      if (!rows) return;
      if (press.lasso && press.ended && press.selected && idx.length === 1) {
        // The click that closed the lasso: put the lasso's points back, tell nobody.
        sp.select(press.selected, { preventEvent: true });
        return;
      }
      if (press.lasso && !press.ended) press.selected = idx.length > 1 ? [...idx] : press.selected;
      c.dataset.selected = String(idx.length);
      handlers.current.onSelect(
        idx.map((i) => rows[i]),
        press.lasso,
      );
    });
    sp.subscribe('deselect', () => handlers.current.onDeselect());
    return () => {
      plot.current = null;
      ownRenderer.current = null;
      resized.disconnect();
      sp.destroy();
      own.renderer.destroy();
    };
  }, []);

  useEffect(() => {
    if (resetView) void plot.current?.reset().catch(() => undefined);
  }, [resetView]);

  useEffect(() => {
    void plot.current?.set({ mouseMode: mode === 'lasso' ? 'lasso' : 'panZoom' });
  }, [mode]);

  const drawn = useRef<{ points: PlotPoints | null; colours: ScatterProps['colours']; index: Map<number, number> }>({ points: null, colours: null, index: new Map() });

  useEffect(() => {
    const sp = plot.current;
    if (!sp || !points) return;
    const job = async () => {
      // Points, colours or the selection change: the next frame is drawn for real, never a snapshot.
      ownRenderer.current?.invalidate();
      // Decided when the job runs: a queued job may replace one that never ran.
      if (drawn.current.points !== points || drawn.current.colours !== colours) {
        const { x, y, rows } = points;
        const index = new Map<number, number>();
        rows.forEach((r, i) => index.set(r, i));
        drawn.current = { points, colours, index };
        const valueA = colours ? Float32Array.from(rows, (r) => colours.codes[r] ?? 0) : undefined;
        await sp.set({ pointColor: colours ? colours.palette : NEUTRAL, colorBy: colours ? 'valueA' : null });
        await sp.draw(valueA ? { x, y, valueA } : { x, y }, { zDataType: 'categorical' });
        rowsRef.current = rows;
      }
      // A selection change alone is a select() — no new points, no new spatial index.
      const select = selectedRows.map((r) => drawn.current.index.get(r)).filter((i): i is number => i !== undefined);
      if (select.length) sp.select(select, { preventEvent: true });
      else sp.deselect({ preventEvent: true });
    };
    const q = drawing.current;
    const run = async (j: () => Promise<void>): Promise<void> => {
      q.busy = true;
      try {
        await j();
      } catch {
        // A draw on a destroyed plot (unmount mid-draw) has nothing left to draw on.
      }
      const next = q.next;
      q.next = null;
      if (next) return run(next);
      q.busy = false;
    };
    if (q.busy) q.next = job;
    else void run(job);
  }, [points, colours, selectedRows]);

  if (!webgl) {
    return (
      <div className="explorer__overlay explorer__overlay--error" data-testid="explorer-no-webgl">
        WebGL is not available in this browser (or it is switched off), so the map cannot be drawn. Search, the row details and the tables still work.
      </div>
    );
  }
  return <canvas ref={canvas} className="explorer__canvas" data-testid="explorer-canvas" />;
}
