// The whole Dataset cell is a drop target; the button opens the file picker.
import { useRef, useState, type DragEvent, type ReactNode } from 'react';

interface DropZoneProps {
  onFile(file: File): void;
  disabled?: boolean;
  children: ReactNode;
}

export function DropZone({ onFile, disabled, children }: DropZoneProps) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const input = useRef<HTMLInputElement>(null);

  const onDragEnter = (e: DragEvent) => {
    e.preventDefault();
    depth.current++;
    setOver(true);
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  };
  const onDragOver = (e: DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    depth.current = 0;
    setOver(false);
    const file = e.dataTransfer.files?.[0];
    if (file && !disabled) onFile(file);
  };

  return (
    <div className={over ? 'dropzone dropzone--over' : 'dropzone'} data-testid="dataset-dropzone" onDragEnter={onDragEnter} onDragLeave={onDragLeave} onDragOver={onDragOver} onDrop={onDrop}>
      <div className="dropzone__prompt">
        <svg className="dropzone__icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 3v12m0-12 4.5 4.5M12 3 7.5 7.5M4 15v4a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-4" />
        </svg>
        <span>
          Drop a <strong>CSV</strong> or <strong>Parquet</strong> file anywhere on this cell, or
        </span>
        <button type="button" className="btn btn--primary" disabled={disabled} data-testid="dataset-pick" onClick={() => input.current?.click()}>
          Choose file…
        </button>
        <input
          ref={input}
          type="file"
          hidden
          accept=".csv,.tsv,.txt,.parquet,text/csv,application/vnd.apache.parquet"
          data-testid="dataset-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) onFile(f);
            e.target.value = '';
          }}
        />
      </div>
      {children}
      {over ? <div className="dropzone__overlay">Release to load the file</div> : null}
    </div>
  );
}
