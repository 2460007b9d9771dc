// The results explorer: a UMAP map of the embeddings drawn with WebGL (every row with an
// embedding is a point), coloured by any column, with lasso selection linked to a table, hover
// and click details with every column, "more like this", and neighbour search.
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { ExplorerInfo } from '../../../worker/api';
import { Segmented } from '../../components/segmented';
import { formatCount } from '../../lib/format';
import { workerApi } from '../../lib/worker-client';
import { useExplorer } from './explorer-store';
import { NeighbourSearch } from './neighbour-search';
import { paletteFor } from './palette';
import { ProjectionCaption } from './projection-caption';
import { RowDetails } from './row-details';
import { RowsTable } from './rows-table';
import { useProjection } from './use-projection';
import { HoverTip } from './hover-tip';
import { WebglScatter } from './webgl-scatter';

const SAMPLE_SIZES = [1000, 3000, 5000, 10000];

export function Explorer({ version, info }: { version: number; info: ExplorerInfo }) {
  const [sampleSize, setSampleSize] = useState(3000);
  const projection = useProjection(version, sampleSize);
  const selection = useExplorer((s) => s.selection);
  const selectionSource = useExplorer((s) => s.selectionSource);
  const focusRow = useExplorer((s) => s.focusRow);
  const colourBy = useExplorer((s) => s.colourBy);
  const mode = useExplorer((s) => s.mode);
  const { select, focus, setColourBy, setMode, setHover } = useExplorer.getState();
  const [resetView, setResetView] = useState(0);

  const codes = useQuery({ queryKey: ['colour-codes', version, colourBy], queryFn: () => workerApi().columnCodes(colourBy!), enabled: colourBy !== null, staleTime: Infinity });
  const colours = useMemo(() => (codes.data && colourBy ? { codes: codes.data.codes, palette: paletteFor(codes.data) } : null), [codes.data, colourBy]);
  const counts = useMemo(() => {
    if (!codes.data) return [];
    const n = new Array<number>(codes.data.labels.length).fill(0);
    for (const c of codes.data.codes) n[c]++;
    return n;
  }, [codes.data]);

  return (
    <div className="explorer" data-testid="explorer">
      <div className="explorer__toolbar">
        <Segmented
          label="Mouse mode"
          value={mode}
          options={[
            { value: 'pan', label: 'Pan / zoom' },
            { value: 'lasso', label: 'Lasso' },
          ]}
          onChange={setMode}
          testId="explorer-mode"
        />
        <button type="button" className="btn" onClick={() => setResetView((n) => n + 1)} data-testid="explorer-reset">
          Reset view
        </button>
        <label className="explorer__control">
          <span className="field__label">Colour by</span>
          <select value={colourBy ?? ''} onChange={(e) => setColourBy(e.target.value || null)} data-testid="explorer-colour">
            <option value="">(none)</option>
            {info.columns.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="explorer__control">
          <span className="field__label">UMAP sample</span>
          <select value={sampleSize} onChange={(e) => setSampleSize(Number(e.target.value))} data-testid="explorer-sample">
            {SAMPLE_SIZES.map((n) => (
              <option key={n} value={n}>
                {formatCount(n)} rows
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="explorer__main">
        <div className="explorer__plot">
          <WebglScatter
            points={projection.points}
            colours={colours}
            selectedRows={focusRow !== null && selectionSource !== 'lasso' && selectionSource !== 'search' ? [focusRow] : selection}
            mode={mode}
            resetView={resetView}
            onHover={(row, at) => setHover(row !== null && at ? { row, ...at } : null)}
            onSelect={(rows, lasso) => {
              if (lasso || rows.length > 1) {
                select(rows, 'lasso');
                if (rows.length === 1) focus(rows[0]);
              } else if (rows.length === 1) {
                select(rows, 'click');
                focus(rows[0]);
              }
            }}
            onDeselect={() => select([], null)}
          />
          {projection.phase === 'loading' || (projection.phase === 'umap' && !projection.points) ? <div className="explorer__overlay">Preparing the UMAP sample…</div> : null}
          {projection.phase === 'error' ? (
            <div className="explorer__overlay explorer__overlay--error" data-testid="explorer-error">
              Projection failed: {projection.error}
            </div>
          ) : null}
          <HoverTip version={version} info={info} />
        </div>
        <aside className="explorer__side">
          {focusRow !== null ? (
            <RowDetails version={version} row={focusRow} columns={info.columns} textColumn={info.textColumn} />
          ) : (
            <p className="hint">
              Hover a point for its row; click (or tap) one to open it with the rows most like it. Lasso mode — or shift-drag, or a long press on touch — selects a region into the table below.
            </p>
          )}
        </aside>
      </div>
      <ProjectionCaption p={projection} failedRows={info.failedRows} />
      {codes.data && colourBy ? (
        <ul className="explorer__legend" data-testid="explorer-legend">
          {codes.data.labels.map((l, i) => (
            <li key={l}>
              <span className="explorer__swatch" style={{ background: colours?.palette[i] }} />
              {l} <span className="muted">{formatCount(counts[i] ?? 0)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {selection.length && selectionSource === 'lasso' ? (
        <div className="stack stack--tight">
          <div className="row-details__head">
            <strong data-testid="selection-count">
              {formatCount(selection.length)} {selection.length === 1 ? 'row' : 'rows'} selected with the lasso
            </strong>
            <button type="button" className="btn btn--ghost" onClick={() => select([], null)}>
              Clear
            </button>
          </div>
          <RowsTable version={version} rows={selection} columns={info.columns} textColumn={info.textColumn} activeRow={focusRow} onPick={focus} testId="selection" />
        </div>
      ) : null}
      <NeighbourSearch version={version} columns={info.columns} textColumn={info.textColumn} />
    </div>
  );
}
