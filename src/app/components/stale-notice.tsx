// The "re-run" prompt shown in the Run, Results and Export cells once their output is stale.
import { startRun } from '../features/run/run-actions';

export function StaleNotice({ what }: { what: string }) {
  return (
    <div className="alert alert--warn" role="status" data-testid="stale-notice">
      <span>
        {what} from an earlier run: the dataset, text column, function or chunking changed since. <strong>Re-run</strong> to bring {what.toLowerCase().startsWith('these') ? 'them' : 'it'} up to date.
      </span>
      <span className="alert__actions">
        <button type="button" className="btn btn--primary" data-testid="stale-rerun" onClick={() => void startRun()}>
          Re-run
        </button>
      </span>
    </div>
  );
}
