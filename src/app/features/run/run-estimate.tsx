// Before a run: time a small sample with the chosen backend (rows × measured rows/s) and, when the
// local model would take long, say that Remote (a server's native runtime) is much faster.
import { useState } from 'react';
import type { RunEstimate } from '../../../worker/api';
import { formatCount, formatDuration } from '../../lib/format';
import { currentRunSettings } from '../../lib/settings';
import { toPlainError, workerApi } from '../../lib/worker-client';

/** Above this a local run is worth moving to Remote (measured here: ~10× faster, README). */
const SLOW_LOCAL_SECONDS = 120;

export function RunEstimateView({ disabled }: { disabled: boolean }) {
  const [state, setState] = useState<{ busy: boolean; est?: RunEstimate & { local: boolean }; error?: string }>({ busy: false });
  const measure = async () => {
    const r = currentRunSettings();
    if (!r.ok) return;
    setState({ busy: true });
    try {
      const est = await workerApi().estimate(r.backend, r.settings);
      setState({ busy: false, est: { ...est, local: r.backend.kind === 'local' } });
    } catch (err) {
      setState({ busy: false, error: toPlainError(err).message });
    }
  };
  const { est } = state;
  return (
    <div className="estimate">
      <button type="button" className="btn" data-testid="run-estimate" disabled={disabled || state.busy} onClick={() => void measure()}>
        {state.busy ? 'Timing a sample…' : 'Estimate time'}
      </button>
      {est ? (
        <span className="muted" data-testid="run-estimate-text">
          ≈ {formatDuration(est.seconds * 1000)} at {est.rowsPerSec.toFixed(est.rowsPerSec < 10 ? 1 : 0)} rows/s (timed on {formatCount(est.sampleRows)} sample rows, {est.device}).
        </span>
      ) : null}
      {state.error ? <span className="field__error">{state.error}</span> : null}
      {est?.local && est.seconds > SLOW_LOCAL_SECONDS ? (
        <span className="hint hint--warn" data-testid="run-remote-hint">
          That is long for this tab: the Remote backend (cell 2; `npm start` serves one at /api) runs the same model natively and was ~10× faster on a 2-core machine.
        </span>
      ) : null}
    </div>
  );
}
