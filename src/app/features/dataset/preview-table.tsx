// Virtualised preview of the input rows: only visible rows are rendered and fetched.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import type { ColumnInfo } from '../../../worker/api';
import { workerApi } from '../../lib/worker-client';
import { useRowBlocks } from '../../lib/use-row-blocks';
import { cellText } from './cell-text';

interface PreviewTableProps {
  columns: ColumnInfo[];
  /** Shown first and widest, so the column to embed is never off-screen. */
  textColumn?: string | null;
  rows: number;
  version: number;
}

export function PreviewTable({ columns: all, textColumn, rows, version }: PreviewTableProps) {
  const columns = textColumn ? [...all.filter((c) => c.name === textColumn), ...all.filter((c) => c.name !== textColumn)] : all;
  const scroller = useRef<HTMLDivElement>(null);
  const getRow = useRowBlocks((s, n) => workerApi().previewInput(s, n), rows, version);
  const v = useVirtualizer({ count: rows, getScrollElement: () => scroller.current, estimateSize: () => 32, overscan: 10 });
  // Fixed column widths: every absolutely positioned row must lay out exactly like the header.
  const widths = columns.map((c) => (c.name === textColumn ? 24 : c.isText ? 12 : 7));
  const template = `4rem ${widths.map((w) => `${w}rem`).join(' ')}`;
  const width = `${4 + widths.reduce((a, b) => a + b, 0) + 0.75 * (columns.length + 1) + 1.5}rem`;
  return (
    <div className="vtable" data-testid="dataset-preview">
      <div className="vtable__scroll" ref={scroller}>
        <div className="vtable__row vtable__row--head" style={{ gridTemplateColumns: template, width }}>
          <span className="num muted">#</span>
          {columns.map((c) => (
            <span key={c.name} className={c.name === textColumn ? 'vtable__chosen' : undefined}>
              {c.name}
            </span>
          ))}
        </div>
        <div style={{ height: v.getTotalSize(), position: 'relative', width }}>
          {v.getVirtualItems().map((item) => {
            const row = getRow(item.index);
            return (
              <div key={item.key} className="vtable__row" style={{ gridTemplateColumns: template, width, transform: `translateY(${item.start}px)` }} data-testid="dataset-preview-row">
                <span className="num muted">{item.index + 1}</span>
                {columns.map((c) => (
                  <span key={c.name} title={row ? cellText(row[c.name]) : undefined}>
                    {row ? cellText(row[c.name]) : '…'}
                  </span>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
