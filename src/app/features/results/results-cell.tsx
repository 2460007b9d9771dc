// Cell 5 — Results: counts, a preview, and the explorer (UMAP map, selection, details, search).
import { useQuery } from '@tanstack/react-query';
import { Suspense, lazy, useEffect } from 'react';
import { Cell } from '../../components/cell';
import { Stat } from '../../components/stat';
import { formatCount } from '../../lib/format';
import { workerApi } from '../../lib/worker-client';
import { useRun } from '../../stores/run-store';
import { useExplorer } from './explorer-store';
import { ResultsPreview } from './results-preview';
import './test-hook';

// The explorer (WebGL, regl) loads on first use, so the notebook's first paint does not wait for it.
const Explorer = lazy(() => import('./explorer').then((m) => ({ default: m.Explorer })));

export function ResultsCell() {
  const summary = useRun((s) => (s.status === 'done' ? s.summary : null));
  const completed = useRun((s) => s.completed);
  const info = useQuery({ queryKey: ['explorer-info', completed], queryFn: () => workerApi().explorerInfo(), enabled: summary !== null, staleTime: Infinity });
  const resetExplorer = useExplorer((s) => s.reset);
  useEffect(() => resetExplorer(), [completed, resetExplorer]);
  return (
    <Cell id="results" index={5} title="Results" state={summary ? (summary.failedRows ? 'warn' : 'ready') : 'idle'} stateLabel={summary ? (summary.failedRows ? `${summary.failedRows} failed` : 'Complete') : 'No results'}>
      {summary ? (
        <div className="stack">
          <div className="stats" data-testid="results-summary">
            <Stat label="Rows" value={formatCount(summary.rows)} testId="results-rows" />
            <Stat label="Dimension" value={String(summary.dimension)} testId="results-dim" />
            <Stat label="Failed rows" value={formatCount(summary.failedRows)} testId="results-failed" />
            <Stat label="Chunks" value={formatCount(summary.chunks)} />
          </div>
          <ResultsPreview rows={summary.rows} dim={summary.dimension} version={completed} />
          {info.data ? (
            <Suspense fallback={<p className="hint">Loading the explorer…</p>}>
              <Explorer version={completed} info={info.data} />
            </Suspense>
          ) : null}
        </div>
      ) : (
        <p className="hint">Results appear here once a run completes.</p>
      )}
    </Cell>
  );
}
