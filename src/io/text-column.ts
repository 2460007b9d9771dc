// Choosing the column to embed: validate a user's choice, or suggest a sensible default.
import { DataType } from 'apache-arrow';
import type { Table, Vector } from 'apache-arrow';
import { AllNullColumnError, NonTextColumnError, UnknownColumnError } from './errors';
import { isTextTemplate, parseTextTemplate, renderTextTemplate, templateReader } from './text-template';

const isText = (t: DataType): boolean => DataType.isUtf8(t) || DataType.isLargeUtf8(t) || DataType.isUtf8View(t);

/** Names that usually hold the prose to embed, best first. */
const PREFERRED = ['text', 'content', 'body', 'sentence', 'document', 'passage', 'description', 'abstract', 'summary', 'comment', 'review', 'message', 'title'];

export function textColumnNames(table: Table): string[] {
  return table.schema.fields.filter((f) => isText(f.type)).map((f) => f.name);
}

/** True when every value is null or the empty string. */
function allBlank(col: Vector): boolean {
  if (col.nullCount === col.length) return true;
  for (const v of col) if (v !== null && v !== undefined && v !== '') return false;
  return true;
}

/**
 * Checks that `column` exists, is text and has at least one non-blank value; returns its vector.
 * `file` names the dataset in the error messages.
 */
export function validateTextColumn(table: Table, column: string, file = '<input>'): Vector {
  const names = table.schema.fields.map((f) => f.name);
  const index = names.indexOf(column);
  if (index < 0) throw new UnknownColumnError(file, column, names);
  const field = table.schema.fields[index];
  if (!isText(field.type)) throw new NonTextColumnError(file, column, String(field.type), textColumnNames(table));
  const col = table.getChildAt(index)!;
  if (allBlank(col)) throw new AllNullColumnError(file, column, table.numRows);
  return col;
}

/** Mean length in characters over up to `sample` evenly spaced non-null values (0 if none). */
function meanLength(col: Vector, sample = 2000): number {
  const n = col.length;
  if (n === 0) return 0;
  const step = Math.max(1, Math.floor(n / sample));
  let total = 0;
  let count = 0;
  for (let i = 0; i < n; i += step) {
    const v = col.get(i) as string | null;
    if (v === null || v === undefined) continue;
    total += v.length;
    count++;
  }
  return count === 0 ? 0 : total / count;
}

/**
 * The default text column: a text column whose (case-insensitive) name is a well-known prose
 * name, else the text column with the longest mean value length. Undefined when there is no
 * usable text column.
 */
export function suggestTextColumn(table: Table): string | undefined {
  const candidates = table.schema.fields
    .map((f, i) => ({ name: f.name, type: f.type, col: table.getChildAt(i)! }))
    .filter((c) => isText(c.type) && !allBlank(c.col));
  if (candidates.length === 0) return undefined;
  for (const preferred of PREFERRED) {
    const hit = candidates.find((c) => c.name.toLowerCase() === preferred);
    if (hit) return hit.name;
  }
  let best = candidates[0];
  let bestLen = meanLength(best.col);
  for (const c of candidates.slice(1)) {
    const len = meanLength(c.col);
    if (len > bestLen) {
      best = c;
      bestLen = len;
    }
  }
  return best.name;
}

/** A choice that names no column but has `{column}` placeholders is a text template. */
const asTemplate = (table: Table, choice: string) =>
  table.schema.fields.some((f) => f.name === choice) || !isTextTemplate(choice) ? undefined : parseTextTemplate(choice);

/**
 * The texts to embed for a choice that is a text column's name or a text template such as
 * `{package}: {description}` (src/io/text-template.ts): checked (unknown column, not text, all
 * blank), one value per row.
 */
export function textVector(table: Table, choice: string, file = '<input>'): Vector {
  const template = asTemplate(table, choice);
  if (!template) return validateTextColumn(table, choice, file);
  const col = renderTextTemplate(template, table, file);
  if (allBlank(col)) throw new AllNullColumnError(file, choice, table.numRows);
  return col;
}

/** One row's text for a column or template choice, without building the whole column. */
export function textReader(table: Table, choice: string): (row: number) => string | null {
  const template = asTemplate(table, choice);
  if (template) return templateReader(template, table);
  const col = table.getChild(choice);
  return (row) => (col ? ((col.get(row) as string | null) ?? null) : null);
}
