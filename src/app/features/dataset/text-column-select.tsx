import type { ColumnInfo } from '../../../worker/api';

interface TextColumnSelectProps {
  columns: ColumnInfo[];
  value: string | null;
  onChange(name: string): void;
}

/** Only text columns can be embedded; the default is the worker's best guess. */
export function TextColumnSelect({ columns, value, onChange }: TextColumnSelectProps) {
  const text = columns.filter((c) => c.isText);
  if (text.length === 0) return <p className="hint hint--warn">This file has no text column to embed.</p>;
  const nulls = text.find((c) => c.name === value)?.nullCount ?? 0;
  return (
    <label className="field field--narrow">
      <span className="field__label">Text column</span>
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value)} data-testid="dataset-text-column">
        {text.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name}
          </option>
        ))}
      </select>
      {nulls ? (
        <span className="field__hint" data-testid="dataset-null-hint">
          {nulls} row{nulls === 1 ? ' has' : 's have'} no text (null) in this column: {nulls === 1 ? 'it gets' : 'they get'} a null embedding and status <code>null</code>, kept in place in the output (not counted as failed).
        </span>
      ) : null}
    </label>
  );
}
