// Overall progress, rows/s and ETA, re-derived twice a second while running.
import { useEffect, useState } from 'react';
import { ProgressBar } from '../../components/progress-bar';
import { Stat } from '../../components/stat';
import { formatCount, formatDuration, formatRate } from '../../lib/format';
import { countByStatus, useRun } from '../../stores/run-store';

export function RunStats() {
  const { status, tiles, totalRows, doneRows, computedRows, startedAt, summary } = useRun();
  const [now, setNow] = useState(() => Date.now());
  const live = status === 'running' || status === 'cancelling';
  useEffect(() => {
    if (!live) return;
    const id = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(id);
  }, [live]);
  if (!tiles.length) return null;
  const elapsed = summary ? summary.elapsedMs : Math.max(1, now - startedAt);
  const rate = computedRows / (elapsed / 1000);
  const eta = rate > 0 ? ((totalRows - doneRows) / rate) * 1000 : NaN;
  const counts = countByStatus(tiles);
  return (
    <div className="stack stack--tight">
      <div className="row-between">
        <span data-testid="run-progress-text">
          <strong>{formatCount(doneRows)}</strong> / {formatCount(totalRows)} rows
        </span>
        <span className="legend">
          {(['queued', 'running', 'retrying', 'done', 'failed', 'cancelled'] as const).map((k) =>
            counts[k] ? (
              <span key={k} className="legend__item" data-testid={`count-${k}`}>
                <i className={`tile tile--${k}`} /> {counts[k]} {k}
              </span>
            ) : null,
          )}
        </span>
      </div>
      <ProgressBar value={doneRows} max={totalRows} label="Rows done" testId="run-progress" />
      <div className="stats">
        <Stat label="Throughput" value={formatRate(rate)} testId="run-rate" />
        <Stat label="Elapsed" value={formatDuration(elapsed)} />
        <Stat label="ETA" value={live && status === 'running' ? formatDuration(eta) : '–'} testId="run-eta" />
        <Stat label="Chunks" value={`${counts.done} / ${tiles.length}`} testId="run-chunks" />
        {summary?.nullRows ? <Stat label="Null texts (status null)" value={formatCount(summary.nullRows)} testId="run-null-rows" /> : null}
      </div>
    </div>
  );
}
