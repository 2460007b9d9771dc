// Cell 6 — Export: the input columns + `embedding` (+ `status` when rows failed), in input order.
import { useState } from 'react';
import { Cell } from '../../components/cell';
import { ErrorMessage } from '../../components/error-message';
import { formatBytes, formatCount } from '../../lib/format';
import { toPlainError } from '../../lib/worker-client';
import type { ExportInfo, PlainError } from '../../../worker/api';
import { useDataset } from '../../stores/dataset-store';
import { useRun } from '../../stores/run-store';
import { canSaveToDisk, downloadParquet, saveParquetToDisk } from './save-parquet';

export function ExportCell() {
  const summary = useRun((s) => (s.status === 'done' ? s.summary : null));
  const info = useDataset((s) => s.info);
  const [busy, setBusy] = useState(false);
  const [bytes, setBytes] = useState(0);
  const [done, setDone] = useState<ExportInfo | null>(null);
  const [error, setError] = useState<PlainError | null>(null);
  const run = async (how: 'download' | 'disk') => {
    setBusy(true);
    setError(null);
    setDone(null);
    setBytes(0);
    try {
      const name = `${(info?.fileName ?? 'data').replace(/\.[^.]+$/, '')}.embeddings.parquet`;
      const out = how === 'download' ? await downloadParquet(setBytes) : await saveParquetToDisk(name, setBytes);
      if (out) setDone(out);
    } catch (err) {
      setError(toPlainError(err));
    } finally {
      setBusy(false);
    }
  };
  const columns = info ? [...info.columns.map((c) => c.name), 'embedding', ...(summary?.failedRows ? ['status'] : [])] : [];
  return (
    <Cell id="export" index={6} title="Export" state={error ? 'error' : done ? 'ready' : busy ? 'busy' : 'idle'} stateLabel={error ? 'Error' : done ? 'Saved' : busy ? 'Writing…' : summary ? 'Ready' : 'Waiting'}>
      {summary ? (
        <div className="stack">
          <p>
            Parquet (ZSTD) with {formatCount(summary.rows)} rows in input order and columns{' '}
            {columns.map((c, i) => (
              <span key={c}>
                <code>{c}</code>
                {i < columns.length - 1 ? ', ' : ''}
              </span>
            ))}
            .
          </p>
          <div className="toolbar">
            <button type="button" className="btn btn--primary" disabled={busy} data-testid="export-download" onClick={() => void run('download')}>
              {busy ? `Writing… ${formatBytes(bytes)}` : 'Download Parquet'}
            </button>
            {canSaveToDisk() ? (
              <button type="button" className="btn" disabled={busy} data-testid="export-save" onClick={() => void run('disk')}>
                Save to disk (streamed)…
              </button>
            ) : null}
            {done ? (
              <span className="muted" data-testid="export-done">
                {done.fileName} · {formatBytes(done.bytes)} · {formatCount(done.rows)} rows{done.withStatus ? ' · with status' : ''}
              </span>
            ) : null}
          </div>
          {error ? <ErrorMessage error={error} testId="export-error" /> : null}
        </div>
      ) : (
        <p className="hint">Finish a run to export its embeddings.</p>
      )}
    </Cell>
  );
}
