// After a reload: an interrupted run found in IndexedDB is offered for resumption.
import { useEffect, useState } from 'react';
import type { ResumeOffer } from '../../../worker/api';
import { formatCount } from '../../lib/format';
import { workerApi } from '../../lib/worker-client';
import { useRun } from '../../stores/run-store';
import { useDataset } from '../../stores/dataset-store';
import { discardSaved, restoreSaved, resumeSaved } from './run-actions';

export function ResumeBanner() {
  const [offer, setOffer] = useState<ResumeOffer | null>(null);
  const idle = useRun((s) => s.status === 'idle');
  useEffect(() => {
    let live = true;
    workerApi()
      .resumeOffer()
      .then((o) => {
        if (!live) return;
        setOffer(o);
        // Show the interrupted run's dataset and settings at once, not "No data" under the offer.
        if (o && useDataset.getState().status === 'empty') void restoreSaved(o);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  if (!offer || !idle) return null;
  return (
    <div className="alert alert--info" data-testid="resume-offer">
      <span>
        An unfinished run of <strong>{offer.fileName}</strong> ({formatCount(offer.rows)} rows) was saved: <strong>{offer.doneChunks}</strong> of {offer.totalChunks} chunks are done.
      </span>
      <span className="alert__actions">
        <button
          type="button"
          className="btn btn--primary"
          data-testid="resume-saved"
          onClick={() => {
            setOffer(null);
            void resumeSaved(offer);
          }}
        >
          Resume
        </button>
        <button
          type="button"
          className="btn btn--ghost"
          onClick={() => {
            setOffer(null);
            void discardSaved();
          }}
        >
          Discard
        </button>
      </span>
    </div>
  );
}
