// The tooltip over the hovered point: the row's every column, fetched on demand. Subscribes to
// the hover slot alone, so moving the pointer re-renders only this.
import type { ExplorerInfo } from '../../../worker/api';
import { cellText } from '../dataset/cell-text';
import { useExplorer } from './explorer-store';
import { useRowRecords } from './use-row-records';

export function HoverTip({ version, info }: { version: number; info: ExplorerInfo }) {
  const hover = useExplorer((s) => s.hover);
  const rec = useRowRecords(version, hover ? [hover.row] : [])(hover?.row ?? -1);
  if (!hover) return null;
  return (
    <div className={hover.y < 190 ? 'explorer__tip explorer__tip--below' : 'explorer__tip'} style={{ left: Math.max(90, hover.x), top: hover.y }} data-testid="explorer-tip">
      <div className="muted">row #{hover.row + 1}</div>
      {rec
        ? info.columns.map((c) => (
            <div key={c.name} className="explorer__tip-field">
              <span className="muted">{c.name}</span> {cellText(rec.values[c.name], c.name === info.textColumn ? 240 : 60)}
            </div>
          ))
        : '…'}
    </div>
  );
}
