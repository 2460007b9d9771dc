// Cell 4 — Run: start, cancel, resume; per-chunk tiles; progress, rows/s, ETA; errors.
import { useEffect, useState } from 'react';
import { Cell, type CellState } from '../../components/cell';
import { ErrorMessage } from '../../components/error-message';
import { currentRunSettings } from '../../lib/settings';
import { workerApi } from '../../lib/worker-client';
import { useChunking } from '../../stores/chunking-store';
import { useDataset } from '../../stores/dataset-store';
import { useFunction } from '../../stores/function-store';
import { useRun, type RunStatus } from '../../stores/run-store';
import { ErrorList } from './error-list';
import { ResumeBanner } from './resume-banner';
import { cancelRun, startRun } from './run-actions';
import { RunEstimateView } from './run-estimate';
import { RunStats } from './run-stats';
import { TileGrid } from './tile-grid';

const STATE: Record<RunStatus, [CellState, string]> = {
  idle: ['idle', 'Not started'],
  'loading-model': ['busy', 'Loading model…'],
  running: ['busy', 'Running'],
  cancelling: ['warn', 'Cancelling…'],
  done: ['ready', 'Done'],
  cancelled: ['warn', 'Cancelled'],
  error: ['error', 'Error'],
};

/** Saved chunks for the current dataset + settings, so the button can say "Resume". */
function useSavedChunks(): number {
  const [saved, setSaved] = useState(0);
  const ds = useDataset((s) => `${s.info?.fingerprint}|${s.textColumn}`);
  const chunking = useChunking();
  const fn = useFunction();
  const status = useRun((s) => s.status);
  useEffect(() => {
    const r = currentRunSettings();
    if (!r.ok) return setSaved(0);
    let live = true;
    workerApi()
      .cachedChunks(r.backend, r.settings)
      .then((n) => live && setSaved(n))
      .catch(() => live && setSaved(0));
    return () => {
      live = false;
    };
  }, [ds, chunking, fn, status]);
  return saved;
}

export function RunCell() {
  const { status, error, backend, modelMessage, tiles } = useRun();
  const saved = useSavedChunks();
  const busy = status === 'running' || status === 'loading-model' || status === 'cancelling';
  const ready = currentRunSettings();
  const [state, label] = STATE[status];
  const canResume = saved > 0 && status !== 'done';
  return (
    <Cell id="run" index={4} title="Run" state={state} stateLabel={label}>
      <div className="stack">
        <ResumeBanner />
        <div className="toolbar">
          {busy ? (
            <button type="button" className="btn btn--danger" data-testid="run-cancel" disabled={status === 'cancelling'} onClick={() => void cancelRun()}>
              {status === 'cancelling' ? 'Cancelling…' : 'Cancel'}
            </button>
          ) : (
            <button type="button" className="btn btn--primary" data-testid={canResume ? 'run-resume' : 'run-start'} disabled={!ready.ok} onClick={() => void startRun()}>
              {canResume ? `Resume (${saved} chunk${saved === 1 ? '' : 's'} saved)` : status === 'done' ? 'Run again' : 'Start'}
            </button>
          )}
          {!busy && canResume ? (
            <button type="button" className="btn btn--ghost" data-testid="run-restart" onClick={() => void startRun({ fresh: true })}>
              Start over
            </button>
          ) : null}
          <span className="muted toolbar__note" data-testid="run-backend">
            {!ready.ok ? ready.reason : backend ? `${backend.label} — ${backend.reason}` : status === 'loading-model' ? (modelMessage ?? 'Preparing the backend…') : null}
          </span>
        </div>
        {!busy && ready.ok ? <RunEstimateView disabled={busy} /> : null}
        {error ? <ErrorMessage error={error} testId="run-error" /> : null}
        {tiles.length ? <RunStats /> : null}
        <TileGrid />
        <ErrorList />
      </div>
    </Cell>
  );
}
