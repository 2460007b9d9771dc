// Virtualised result rows: the text, its status and the first few embedding components.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { workerApi } from '../../lib/worker-client';
import { useRowBlocks } from '../../lib/use-row-blocks';
import { cellText } from '../dataset/cell-text';

const DIMS = 6;

function embeddingText(v: unknown, dim: number): string {
  if (!v || typeof v !== 'object') return '∅';
  const arr = Array.from(v as ArrayLike<number>);
  return `[${arr.map((x) => x.toFixed(4)).join(', ')}${dim > arr.length ? `, … ${dim - arr.length} more` : ''}]`;
}

export function ResultsPreview({ rows, dim, version }: { rows: number; dim: number; version: number }) {
  const scroller = useRef<HTMLDivElement>(null);
  const getRow = useRowBlocks((s, n) => workerApi().previewResults(s, n, DIMS), rows, version);
  const v = useVirtualizer({ count: rows, getScrollElement: () => scroller.current, estimateSize: () => 32, overscan: 10 });
  const template = '4rem 22rem 4.5rem 34rem';
  const width = `${4 + 22 + 4.5 + 34 + 0.75 * 4 + 1.5}rem`;
  return (
    <div className="vtable" data-testid="results-preview">
      <div className="vtable__scroll" ref={scroller}>
        <div className="vtable__row vtable__row--head" style={{ gridTemplateColumns: template, width }}>
          <span className="num muted">#</span>
          <span>text</span>
          <span>status</span>
          <span>embedding ({dim}-d)</span>
        </div>
        <div style={{ height: v.getTotalSize(), position: 'relative', width }}>
          {v.getVirtualItems().map((item) => {
            const r = getRow(item.index);
            const ok = r?.status === 'ok';
            return (
              <div key={item.key} className="vtable__row" style={{ gridTemplateColumns: template, width, transform: `translateY(${item.start}px)` }}>
                <span className="num muted">{item.index + 1}</span>
                <span title={r ? cellText(r.text, 2000) : undefined}>{r ? cellText(r.text) : '…'}</span>
                <span className={ok ? 'status-ok' : 'status-bad'} title={r ? String(r.status) : undefined}>
                  {r ? (ok ? 'ok' : 'failed') : ''}
                </span>
                <span className="mono muted">{r ? embeddingText(r.embedding, dim) : ''}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
