import { useRef } from 'react';

interface FilePromptProps {
  onFile(file: File): void;
  disabled?: boolean;
  compact?: boolean;
}

/** The drop hint and the file picker button. */
export function FilePrompt({ onFile, disabled, compact }: FilePromptProps) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className={compact ? 'file-prompt file-prompt--compact' : 'file-prompt'}>
      <svg className="file-prompt__icon" viewBox="0 0 24 24" aria-hidden="true">
        <path d="M12 3v12m0-12 4.5 4.5M12 3 7.5 7.5M4 15v4a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-4" />
      </svg>
      <span className="file-prompt__text">
        {compact ? (
          'Drop another file here to replace it, or'
        ) : (
          <>
            Drop a <strong>CSV</strong> or <strong>Parquet</strong> file anywhere on this cell, or
          </>
        )}
      </span>
      <button type="button" className={compact ? 'btn' : 'btn btn--primary'} disabled={disabled} data-testid="dataset-pick" onClick={() => input.current?.click()}>
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
  );
}
