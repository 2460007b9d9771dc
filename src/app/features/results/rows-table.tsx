// A virtualised table of result rows with every input column: the lasso selection, search hits
// and "more like this" all use it. Only the visible rows are fetched; a row click opens it.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import type { ColumnInfo } from '../../../worker/api';
import { cellText } from '../dataset/cell-text';
import { useRowRecords } from './use-row-records';

export interface RowsTableProps {
  version: number;
  rows: readonly number[];
  columns: ColumnInfo[];
  textColumn: string;
  /** Similarity per row, shown first when given (search hits, neighbours). */
  scores?: ReadonlyMap<number, number>;
  activeRow: number | null;
  onPick(row: number): void;
  testId: string;
  height?: number;
}

export function RowsTable({ version, rows, columns, textColumn, scores, activeRow, onPick, testId, height = 260 }: RowsTableProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => 32, overscan: 8 });
  const items = v.getVirtualItems();
  const get = useRowRecords(
    version,
    items.map((i) => rows[i.index]),
  );
  // The text column first (it is what the user reads), then the others in file order.
  const cols = [...columns.filter((c) => c.name === textColumn), ...columns.filter((c) => c.name !== textColumn)];
  const widths = ['4.5rem', ...(scores ? ['4rem'] : []), '4rem', ...cols.map((c) => (c.isText ? '20rem' : '8rem'))];
  const template = widths.join(' ');
  const width = `calc(${widths.join(' + ')} + ${0.75 * (widths.length - 1) + 1.5}rem)`;
  return (
    <div className="vtable" data-testid={testId}>
      <div className="vtable__scroll" ref={scroller} style={{ height: Math.min(height, 34 + rows.length * 32) }}>
        <div className="vtable__row vtable__row--head" style={{ gridTemplateColumns: template, width }}>
          <span className="num muted">row</span>
          {scores ? <span>score</span> : null}
          <span>status</span>
          {cols.map((c) => (
            <span key={c.name} title={`${c.name} (${c.type})`}>
              {c.name}
            </span>
          ))}
        </div>
        <div style={{ height: v.getTotalSize(), position: 'relative', width }}>
          {items.map((item) => {
            const row = rows[item.index];
            const rec = get(row);
            const ok = rec?.status === 'ok';
            return (
              <button
                type="button"
                key={item.key}
                className={row === activeRow ? 'vtable__row vtable__row--button vtable__row--active' : 'vtable__row vtable__row--button'}
                style={{ gridTemplateColumns: template, width, transform: `translateY(${item.start}px)` }}
                onClick={() => onPick(row)}
                data-testid={`${testId}-row`}
                data-row={row}
              >
                <span className="num muted">#{row + 1}</span>
                {scores ? <span className="mono hits__score">{scores.get(row)?.toFixed(3) ?? ''}</span> : null}
                <span className={rec ? (ok ? 'status-ok' : 'status-bad') : undefined}>{rec ? (ok ? 'ok' : 'failed') : '…'}</span>
                {cols.map((c) => (
                  <span key={c.name} title={rec ? cellText(rec.values[c.name], 1000) : undefined}>
                    {rec ? cellText(rec.values[c.name], 200) : ''}
                  </span>
                ))}
              </button>
            );
          })}
        </div>
      </div>
    </div>
  );
}
