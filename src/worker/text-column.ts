// Picks the column most likely meant to be embedded: a familiar name first, else the text
// column with the longest average non-empty value over a sample of rows.
import type { Table } from 'apache-arrow';
import type { ColumnInfo } from './api';

const PREFERRED = ['text', 'body', 'content', 'sentence', 'document', 'description', 'abstract', 'title', 'question'];

export function defaultTextColumn(table: Table, columns: ColumnInfo[], sampleRows = 200): string | null {
  const text = columns.filter((c) => c.isText);
  if (text.length === 0) return null;
  for (const name of PREFERRED) {
    const hit = text.find((c) => c.name.toLowerCase() === name);
    if (hit) return hit.name;
  }
  let best: string | null = null;
  let bestScore = -1;
  const n = Math.min(sampleRows, table.numRows);
  for (const c of text) {
    const col = table.getChild(c.name);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const v = col?.get(i);
      if (typeof v === 'string') total += v.length;
    }
    if (total > bestScore) [best, bestScore] = [c.name, total];
  }
  return best;
}
