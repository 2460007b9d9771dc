import { useRun } from '../../stores/run-store';

/** Rows as the file numbers them: data rows from 1 (the worker's row indexes are from 0). */
function rowList(rows: number[], count: number): string {
  const shown = rows
    .slice(0, 12)
    .map((r) => r + 1)
    .join(', ');
  return count > 12 ? `${shown} … (+${count - 12} more)` : shown;
}

/** Row errors of the finished run, grouped by code (worker/job-runner.ts summarize), with the rows they hit. */
export function ErrorList() {
  const summary = useRun((s) => s.summary);
  const tiles = useRun((s) => s.tiles);
  const errors = summary?.errors ?? [];
  const failed = tiles.filter((t) => t.status === 'failed');
  if (!errors.length && !failed.length) return null;
  return (
    <div className="errors" data-testid="run-errors">
      <h3 className="subhead">Errors</h3>
      <ul>
        {errors.map((g) => (
          <li key={`${g.code}\n${g.message}`}>
            <span className="errors__msg">{g.message}</span>
            <span className="muted mono">
              {g.code} · {g.count} row{g.count === 1 ? '' : 's'}: {rowList(g.rows, g.count)}
            </span>
          </li>
        ))}
        {errors.length === 0
          ? failed.map((t) => (
              <li key={t.offset}>
                <span className="errors__msg">{t.error}</span>
                <span className="muted mono">
                  rows {t.offset + 1}–{t.offset + t.rows}
                </span>
              </li>
            ))
          : null}
      </ul>
    </div>
  );
}
