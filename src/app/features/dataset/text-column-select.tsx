import { useState } from 'react';
import type { ColumnInfo } from '../../../worker/api';
import { checkTemplateColumns, parseTextTemplate } from '../../../io/text-template';

interface TextColumnSelectProps {
  columns: ColumnInfo[];
  /** A text column's name, or a text template such as `{title}: {body}`. */
  value: string | null;
  onChange(choice: string): void;
}

const TEMPLATE = '__template__';

/** What is wrong with a template for these columns (the same checks the worker and the CLI run), or null. */
function templateProblem(template: string, columns: ColumnInfo[]): string | null {
  try {
    checkTemplateColumns(parseTextTemplate(template), columns.map((c) => c.name), 'this file');
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Only text columns can be embedded; the default is the worker's best guess. "Several columns"
 * embeds a text built by a template such as `{package}: {description}` (src/io/text-template.ts).
 */
export function TextColumnSelect({ columns, value, onChange }: TextColumnSelectProps) {
  const text = columns.filter((c) => c.isText);
  const isColumn = value !== null && columns.some((c) => c.name === value);
  const [draft, setDraft] = useState(() => (value && !isColumn ? value : text.slice(0, 2).map((c) => `{${c.name}}`).join(': ')));
  const templating = value !== null && !isColumn;
  const nulls = text.find((c) => c.name === value)?.nullCount ?? 0;
  const problem = templating ? templateProblem(value, columns) : null;
  return (
    <label className="field field--narrow">
      <span className="field__label">Text column</span>
      {text.length === 0 && !templating ? <span className="hint hint--warn">This file has no text column to embed (a text from several columns still can be).</span> : null}
      <select value={templating ? TEMPLATE : (value ?? '')} onChange={(e) => onChange(e.target.value === TEMPLATE ? draft : e.target.value)} data-testid="dataset-text-column">
        {text.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name}
          </option>
        ))}
        <option value={TEMPLATE}>Text from several columns…</option>
      </select>
      {templating ? (
        <>
          <input
            value={value}
            aria-label="Text template"
            placeholder="{title}: {body}"
            data-testid="dataset-text-template"
            onChange={(e) => {
              setDraft(e.target.value);
              onChange(e.target.value);
            }}
          />
          <span className={problem ? 'field__hint hint--warn' : 'field__hint'} data-testid="dataset-text-template-hint">
            {problem ?? 'Each {column} is replaced by the row\'s value (any column type; a null cell is empty); {{ and }} are literal braces.'}
          </span>
        </>
      ) : null}
      {nulls ? (
        <span className="field__hint" data-testid="dataset-null-hint">
          {nulls} row{nulls === 1 ? ' has' : 's have'} no text (null) in this column: {nulls === 1 ? 'it gets' : 'they get'} a null embedding and status <code>null</code>, kept in place in the output (not counted as failed).
        </span>
      ) : null}
    </label>
  );
}
