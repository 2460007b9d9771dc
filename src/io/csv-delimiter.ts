// Which of , ; tab | separates a CSV's fields, sniffed from its first lines (like Python's
// csv.Sniffer, but only among these four): the delimiter whose count outside quotes is the same
// non-zero number on the most lines wins; ties go to the one with more fields, then to `,`.

export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** Lines looked at: enough to see past a header, few enough to stay cheap on a 1 MiB sample. */
const SNIFF_LINES = 50;

/** Per candidate, the field-separator count on each of the first complete lines (quotes respected). */
function countsPerLine(sample: string): Map<string, number[]> {
  const counts = new Map<string, number[]>(CSV_DELIMITERS.map((d) => [d, []]));
  const current = new Map<string, number>(CSV_DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  let lines = 0;
  let lineHasText = false;
  for (let i = 0; i < sample.length && lines < SNIFF_LINES; i++) {
    const ch = sample[i];
    if (ch === '"') {
      inQuotes = !inQuotes; // "" inside quotes toggles twice: no net change
      lineHasText = true;
    } else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if (lineHasText) {
        for (const d of CSV_DELIMITERS) counts.get(d)!.push(current.get(d)!);
        lines++;
      }
      for (const d of CSV_DELIMITERS) current.set(d, 0);
      lineHasText = false;
    } else {
      if (!inQuotes && current.has(ch)) current.set(ch, current.get(ch)! + 1);
      lineHasText = true;
    }
  }
  // The last line counts only when the sample is the whole file (no newline follows it).
  if (lineHasText && !inQuotes && lines === 0) for (const d of CSV_DELIMITERS) counts.get(d)!.push(current.get(d)!);
  return counts;
}

/**
 * The delimiter of `sample` (the start of the file), or `,` when no candidate separates fields
 * consistently (a one-column file).
 */
export function detectDelimiter(sample: string): CsvDelimiter {
  const start = sample.charCodeAt(0) === 0xfeff ? sample.slice(1) : sample;
  let best: { d: CsvDelimiter; agree: number; fields: number } = { d: ',', agree: 0, fields: 0 };
  for (const [d, perLine] of countsPerLine(start)) {
    if (!perLine.length || perLine[0] === 0) continue; // the header must have it
    // Lines agreeing with the header's count (a multi-line quoted field spans lines, so not all must).
    const agree = perLine.filter((n) => n === perLine[0]).length / perLine.length;
    const fields = perLine[0] + 1;
    if (agree > best.agree + 1e-9 || (Math.abs(agree - best.agree) <= 1e-9 && fields > best.fields)) best = { d: d as CsvDelimiter, agree, fields };
  }
  return best.d;
}

/** A user's delimiter choice: one of the four, by character or name ("tab", "\\t", "semicolon", "pipe"…). */
export function parseDelimiter(value: string): CsvDelimiter | undefined {
  const named: Record<string, CsvDelimiter> = { ',': ',', comma: ',', ';': ';', semicolon: ';', '\t': '\t', '\\t': '\t', tab: '\t', '|': '|', pipe: '|' };
  return named[value.trim() === '' ? value : value.trim().toLowerCase()];
}
