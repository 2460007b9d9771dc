// Cell 5 — Results: counts, a preview, the 2-D projection and nearest-neighbour search.
import { useState } from 'react';
import { Cell } from '../../components/cell';
import { Stat } from '../../components/stat';
import { formatCount } from '../../lib/format';
import { useRun } from '../../stores/run-store';
import { NeighbourSearch } from './neighbour-search';
import { ResultsPreview } from './results-preview';
import { ScatterPlot } from './scatter-plot';

export function ResultsCell() {
  const summary = useRun((s) => (s.status === 'done' ? s.summary : null));
  const completed = useRun((s) => s.completed);
  const [hits, setHits] = useState<number[]>([]);
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
          <div className="split split--even">
            <ScatterPlot version={completed} highlight={hits} />
            <NeighbourSearch onHits={setHits} />
          </div>
        </div>
      ) : (
        <p className="hint">Results appear here once a run completes.</p>
      )}
    </Cell>
  );
}
