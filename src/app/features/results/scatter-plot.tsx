// 2-D PCA projection (computed in the worker) drawn on a canvas; hover shows the row's text.
import { useQuery } from '@tanstack/react-query';
import { tableFromIPC } from 'apache-arrow';
import { useEffect, useMemo, useRef, useState } from 'react';
import { workerApi } from '../../lib/worker-client';
import { cellText } from '../dataset/cell-text';

const MAX_POINTS = 5000;

export function ScatterPlot({ version, highlight }: { version: number; highlight: number[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ x: number; y: number; row: number; text: string } | null>(null);
  const q = useQuery({ queryKey: ['projection', version], queryFn: () => workerApi().project(MAX_POINTS), staleTime: Infinity });
  const p = q.data;
  const bounds = useMemo(() => {
    if (!p || p.xs.length === 0) return null;
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < p.xs.length; i++) {
      x0 = Math.min(x0, p.xs[i]);
      x1 = Math.max(x1, p.xs[i]);
      y0 = Math.min(y0, p.ys[i]);
      y1 = Math.max(y1, p.ys[i]);
    }
    return { x0, x1: x1 === x0 ? x0 + 1 : x1, y0, y1: y1 === y0 ? y0 + 1 : y1 };
  }, [p]);

  const toScreen = (i: number, w: number, h: number) => {
    const b = bounds!;
    const pad = 12;
    return [pad + ((p!.xs[i] - b.x0) / (b.x1 - b.x0)) * (w - 2 * pad), h - pad - ((p!.ys[i] - b.y0) / (b.y1 - b.y0)) * (h - 2 * pad)];
  };

  useEffect(() => {
    const c = canvas.current;
    if (!c || !p || !bounds) return;
    const dpr = window.devicePixelRatio || 1;
    const { width, height } = c.getBoundingClientRect();
    c.width = Math.round(width * dpr);
    c.height = Math.round(height * dpr);
    const g = c.getContext('2d');
    if (!g) return;
    g.scale(dpr, dpr);
    g.clearRect(0, 0, width, height);
    g.fillStyle = 'rgba(79, 70, 229, 0.45)';
    for (let i = 0; i < p.xs.length; i++) {
      const [x, y] = toScreen(i, width, height);
      g.beginPath();
      g.arc(x, y, 2.5, 0, Math.PI * 2);
      g.fill();
    }
    const hl = new Set(highlight);
    g.fillStyle = '#f59e0b';
    g.strokeStyle = '#111827';
    for (let i = 0; i < p.rows.length; i++) {
      if (!hl.has(p.rows[i])) continue;
      const [x, y] = toScreen(i, width, height);
      g.beginPath();
      g.arc(x, y, 5, 0, Math.PI * 2);
      g.fill();
      g.stroke();
    }
  }, [p, bounds, highlight]);

  const onMove = async (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!p || !bounds) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const mx = e.clientX - rect.left;
    const my = e.clientY - rect.top;
    let best = -1;
    let bestD = 100;
    for (let i = 0; i < p.xs.length; i++) {
      const [x, y] = toScreen(i, rect.width, rect.height);
      const d = (x - mx) ** 2 + (y - my) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    }
    if (best < 0) return setHover(null);
    const row = p.rows[best];
    const [x, y] = toScreen(best, rect.width, rect.height);
    const bytes = await workerApi().previewResults(row, 1, 0);
    const text = cellText(tableFromIPC(bytes).get(0)?.toJSON().text, 200);
    setHover({ x, y, row, text });
  };

  return (
    <div className="scatter" data-testid="scatter">
      <canvas ref={canvas} className="scatter__canvas" onMouseMove={(e) => void onMove(e)} onMouseLeave={() => setHover(null)} data-testid="scatter-canvas" />
      {q.isPending ? <div className="scatter__overlay">Projecting with PCA…</div> : null}
      {p ? (
        <div className="scatter__caption muted">
          PCA · {p.xs.length.toLocaleString('en-US')} points · explains {(100 * (p.explained[0] + p.explained[1])).toFixed(1)}% of variance
        </div>
      ) : null}
      {hover ? (
        <div className="scatter__tip" style={{ left: hover.x, top: hover.y }} data-testid="scatter-tip">
          <span className="muted">#{hover.row}</span> {hover.text}
        </div>
      ) : null}
    </div>
  );
}
