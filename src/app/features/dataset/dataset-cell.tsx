// Cell 1 — Dataset: drop or pick a CSV/Parquet file; progress; schema; preview; text column.
import { Cell, type CellState } from '../../components/cell';
import { ErrorMessage } from '../../components/error-message';
import { ProgressBar } from '../../components/progress-bar';
import { Stat } from '../../components/stat';
import { formatBytes, formatCount, formatDuration } from '../../lib/format';
import { useDataset } from '../../stores/dataset-store';
import { useRun } from '../../stores/run-store';
import { DelimiterSelect } from './delimiter-select';
import { DropZone } from './drop-zone';
import { FilePrompt } from './file-prompt';
import { openDataset } from './open-dataset';
import { PreviewTable } from './preview-table';
import { SchemaTable } from './schema-table';
import { TextColumnSelect } from './text-column-select';

const STATE: Record<string, [CellState, string]> = {
  empty: ['idle', 'No data'],
  reading: ['busy', 'Reading…'],
  ready: ['ready', 'Loaded'],
  error: ['error', 'Error'],
};

export function DatasetCell() {
  const { status, progress, info, error, textColumn, version, fileName, chooseTextColumn, file, delimiter } = useDataset();
  const running = useRun((s) => s.status === 'running' || s.status === 'loading-model' || s.status === 'cancelling');
  const [state, label] = STATE[status];
  const disabled = status === 'reading' || running;
  return (
    <DropZone onFile={(f) => void openDataset(f)} disabled={disabled}>
      <Cell id="dataset" index={1} title="Dataset" state={state} stateLabel={label}>
        <div className="stack">
        <FilePrompt onFile={(f) => void openDataset(f)} disabled={disabled} compact={status === 'ready'} />
        {status === 'reading' ? (
          <div className="stack" data-testid="dataset-reading">
            <div className="row-between">
              <span>
                Reading <strong>{fileName}</strong>
              </span>
              <span className="muted mono" data-testid="dataset-bytes">
                {formatBytes(progress.bytesRead)} / {formatBytes(progress.totalBytes)} · {formatCount(progress.rows)} rows
              </span>
            </div>
            <ProgressBar value={progress.bytesRead} max={progress.totalBytes} label="Bytes read" testId="dataset-progress" />
          </div>
        ) : null}
        {status === 'error' && error ? (
          <div className="stack">
            <p className="muted">
              Could not load <strong>{fileName}</strong>.
            </p>
            <ErrorMessage error={error} testId="dataset-error" />
          </div>
        ) : null}
        {status === 'ready' && info ? (
          <div className="stack">
            <div className="stats" data-testid="dataset-summary">
              <Stat label="File" value={info.fileName} />
              <Stat label="Format" value={info.format.toUpperCase()} />
              <Stat label="Size" value={formatBytes(info.fileSize)} />
              <Stat label="Rows" value={formatCount(info.rows)} testId="dataset-rows" />
              <Stat label="Columns" value={String(info.columns.length)} />
              <Stat label="Parsed in" value={formatDuration(info.parseMs)} />
            </div>
            <div className="field-row">
              <TextColumnSelect columns={info.columns} value={textColumn} onChange={chooseTextColumn} />
              <DelimiterSelect info={info} value={delimiter} disabled={disabled || !file} onChange={(d) => file && void openDataset(file, d)} />
            </div>
            <div className="split">
              <SchemaTable columns={info.columns} textColumn={textColumn} />
              <PreviewTable columns={info.columns} textColumn={textColumn} rows={info.rows} version={version} />
            </div>
          </div>
        ) : null}
        </div>
      </Cell>
    </DropZone>
  );
}

