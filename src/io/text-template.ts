// "Text from several columns": a template such as `{package}: {description}` whose `{name}`
// placeholders are replaced by each row's values, so one text built from several columns is
// embedded. Shared by the app (the column picker), the CLI (`--text-template`) and the library.
// `{{` and `}}` are literal braces (as in Python's str.format). A null cell renders as the empty
// string; a row whose every named cell is null has no text (null), like a null in a text column.
import { Utf8, vectorFromArray, type RecordBatch, type Table, type Vector } from 'apache-arrow';
import { TextTemplateError, UnknownColumnError } from './errors';

type TemplatePart = { text: string } | { column: string };

export interface TextTemplate {
  source: string;
  parts: TemplatePart[];
  /** Columns named, each once, in first-use order. */
  columns: string[];
}

/** True when `s` has at least one `{name}` placeholder (what tells a template from a column name). */
export function isTextTemplate(s: string): boolean {
  return /(^|[^{])\{(?!\{)[^{}]+\}/.test(s);
}

/** Parses a template; TextTemplateError says where and what is wrong. */
export function parseTextTemplate(source: string): TextTemplate {
  const parts: TemplatePart[] = [];
  const columns: string[] = [];
  let text = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if ((c === '{' || c === '}') && source[i + 1] === c) {
      text += c;
      i++;
      continue;
    }
    if (c === '}') throw new TextTemplateError(source, `a lone '}' at character ${i + 1}; write '}}' for a literal brace`);
    if (c !== '{') {
      text += c;
      continue;
    }
    const end = source.indexOf('}', i + 1);
    const open = source.indexOf('{', i + 1);
    if (end < 0 || (open >= 0 && open < end)) throw new TextTemplateError(source, `the '{' at character ${i + 1} is not closed; write {column} or '{{' for a literal brace`);
    const name = source.slice(i + 1, end);
    if (name.trim() === '') throw new TextTemplateError(source, `an empty placeholder '{}' at character ${i + 1}; put a column name inside`);
    if (text) parts.push({ text });
    text = '';
    parts.push({ column: name });
    if (!columns.includes(name)) columns.push(name);
    i = end;
  }
  if (text) parts.push({ text });
  if (columns.length === 0) throw new TextTemplateError(source, 'no {column} placeholder; name at least one column, e.g. {title}: {body}');
  return { source, parts, columns };
}

/** Throws UnknownColumnError (naming the template and the columns there are) for a column the data lacks. */
export function checkTemplateColumns(template: TextTemplate, available: readonly string[], file = '<input>'): void {
  const missing = template.columns.find((c) => !available.includes(c));
  if (missing !== undefined) throw new UnknownColumnError(file, missing, available, `the text template ${JSON.stringify(template.source)}`);
}

/** One row's text: every placeholder filled (numbers, booleans… as their string form). */
export function templateReader(template: TextTemplate, data: Table | RecordBatch, file = '<input>'): (row: number) => string | null {
  checkTemplateColumns(template, data.schema.fields.map((f) => f.name), file);
  const cols = new Map(template.columns.map((name) => [name, data.getChild(name)!] as const));
  return (row) => {
    let out = '';
    let any = false;
    for (const p of template.parts) {
      if ('text' in p) {
        out += p.text;
        continue;
      }
      const v: unknown = cols.get(p.column)!.get(row);
      if (v === null || v === undefined) continue;
      any = true;
      out += v instanceof Date ? v.toISOString() : String(v);
    }
    return any ? out : null;
  };
}

/** The template applied to every row, as a Utf8 column (what gets embedded). */
export function renderTextTemplate(template: TextTemplate, data: Table | RecordBatch, file = '<input>'): Vector<Utf8> {
  const read = templateReader(template, data, file);
  const texts = Array.from({ length: data.numRows }, (_, i) => read(i));
  return vectorFromArray(texts, new Utf8());
}
