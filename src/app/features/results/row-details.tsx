// The open row: every input column in full, its status, and "more like this" — the rows nearest
// to its own embedding (cosine, in the worker), each clickable in turn.
import { useQuery } from '@tanstack/react-query';
import type { ColumnInfo } from '../../../worker/api';
import { ErrorMessage } from '../../components/error-message';
import { toPlainError, workerApi } from '../../lib/worker-client';
import { cellText } from '../dataset/cell-text';
import { useExplorer } from './explorer-store';
import { RowsTable } from './rows-table';
import { useRowRecords } from './use-row-records';

const NEIGHBOURS = 50;

export function RowDetails({ version, row, columns, textColumn }: { version: number; row: number; columns: ColumnInfo[]; textColumn: string }) {
  const focus = useExplorer((s) => s.focus);
  const rec = useRowRecords(version, [row])(row);
  const similar = useQuery({
    queryKey: ['similar', version, row],
    queryFn: async () => {
      try {
        return await workerApi().similarTo(row, NEIGHBOURS);
      } catch (err) {
        throw toPlainError(err);
      }
    },
    enabled: rec?.status === 'ok',
    staleTime: Infinity,
  });
  const hits = similar.data ?? [];
  return (
    <div className="stack stack--tight" data-testid="row-details">
      <div className="row-details__head">
        <strong>Row #{row + 1}</strong>
        <button type="button" className="btn btn--ghost" onClick={() => focus(null)} data-testid="row-details-close">
          Close
        </button>
      </div>
      <dl className="row-details__fields">
        {rec ? (
          <>
            {columns.map((c) => (
              <div key={c.name} className="row-details__field">
                <dt title={c.type}>{c.name}</dt>
                <dd data-testid={`row-field-${c.name}`}>{cellText(rec.values[c.name], 4000)}</dd>
              </div>
            ))}
            <div className="row-details__field">
              <dt>status</dt>
              <dd className={rec.status === 'ok' ? 'status-ok' : 'status-bad'}>{rec.status}</dd>
            </div>
          </>
        ) : (
          <dd className="muted">Loading…</dd>
        )}
      </dl>
      <div className="row-details__head">
        <strong>More like this</strong>
        <span className="muted">{similar.isFetching ? 'searching…' : hits.length ? `${hits.length} nearest by embedding (cosine)` : ''}</span>
      </div>
      {similar.error ? <ErrorMessage error={similar.error as ReturnType<typeof toPlainError>} /> : null}
      {rec && rec.status !== 'ok' ? <p className="hint">This row has no embedding, so it has no neighbours.</p> : null}
      {hits.length ? (
        <RowsTable version={version} rows={hits.map((h) => h.row)} scores={new Map(hits.map((h) => [h.row, h.score]))} columns={columns} textColumn={textColumn} activeRow={null} onPick={focus} testId="similar" height={230} />
      ) : null}
    </div>
  );
}
