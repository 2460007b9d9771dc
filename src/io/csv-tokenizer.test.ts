import fc from 'fast-check';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { CsvTokenizer, type CsvField } from './csv-tokenizer';

function tokenize(pieces: readonly string[], delimiter = ','): { rows: CsvField[][]; lines: number[] } {
  const rows: CsvField[][] = [];
  const lines: number[] = [];
  const t = new CsvTokenizer('t.csv', delimiter, (fields, line) => {
    rows.push(fields);
    lines.push(line);
  });
  for (const p of pieces) t.push(p);
  t.end();
  return { rows, lines };
}

/** Splits text at the given cut points (sorted, deduplicated). */
function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  out.push(text.slice(prev));
  return out;
}

/** A cell: null (written as an unquoted empty field) or text ("" is written quoted). */
const field: fc.Arbitrary<CsvField> = fc.oneof(
  fc.constantFrom(null, '', 'a', 'plain text', '12', '-3.5', 'true', ' spaced '),
  fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', 'é', '🎉'), maxLength: 12 }),
);

/** RFC 4180 rendering with PostgreSQL's null convention: null → nothing, "" → `""`. */
function render(rows: CsvField[][], eol: string): string {
  return rows
    .map((r) => r.map((f) => (f === null ? '' : /[",\r\n]/.test(f) || f === '' ? `"${f.replaceAll('"', '""')}"` : f)).join(','))
    .join(eol);
}

/** A one-column row holding null renders as a blank line, which is skipped: not a row. */
const notBlank = (rows: CsvField[][]): CsvField[][] => rows.filter((r) => !(r.length === 1 && r[0] === null));

describe('CsvTokenizer', () => {
  it('parses any RFC 4180 table identically however the text is split into chunks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((cols) => fc.array(fc.array(field, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 12 })),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 8 }),
        (rows, eol, trailingEol, cuts) => {
          const text = render(rows, eol) + (trailingEol ? eol : '');
          const expected = notBlank(rows);
          fc.pre(expected.length > 0);
          const whole = tokenize([text]).rows;
          expect(whole).toEqual(expected);
          // Null vs "" included: the quoted-ness of an empty field never depends on chunking.
          expect(tokenize(splitAt(text, cuts)).rows).toEqual(expected);
        },
      ),
      { numRuns: 400, seed: 42 },
    );
  });

  it('agrees with papaparse on generated quoted data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 20 }),
        (rows) => {
          const text = render(rows, '\n');
          const papa = Papa.parse<string[]>(text, { newline: '\n' }).data;
          // papaparse has no null: both empty spellings read as ''.
          expect(tokenize([text]).rows.map((r) => r.map((f) => f ?? ''))).toEqual(papa);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it('splits a one-character-at-a-time stream correctly, including CRLF split across chunks', () => {
    const text = 'a,b\r\n"x,\r\ny",2\r\n"q""uote",3\r\n';
    const pieces = [...text];
    expect(tokenize(pieces).rows).toEqual([
      ['a', 'b'],
      ['x,\r\ny', '2'],
      ['q"uote', '3'],
    ]);
  });

  it('reports the 1-based line where each row starts, counting newlines inside quotes', () => {
    const { rows, lines } = tokenize(['h\n"multi\nline\nvalue"\nnext\n\nafter-blank\n']);
    expect(rows).toEqual([['h'], ['multi\nline\nvalue'], ['next'], ['after-blank']]);
    expect(lines).toEqual([1, 2, 5, 7]);
  });

  it('skips blank lines, keeps a trailing empty field and handles no final newline', () => {
    expect(tokenize(['a,b\n\n1,\n2,x']).rows).toEqual([
      ['a', 'b'],
      ['1', null],
      ['2', 'x'],
    ]);
    expect(tokenize(['a,b\n1,']).rows).toEqual([
      ['a', 'b'],
      ['1', null],
    ]);
  });

  it('reads an unquoted empty field as null and a quoted one ("") as the empty string, at any chunk split', () => {
    const text = 'a,b,c\r\n,"",x\r\n"",,\r\n"",""\r\n"",\r\n"\n",""';
    const expected = [
      ['a', 'b', 'c'],
      [null, '', 'x'],
      ['', null, null],
      ['', ''],
      ['', null],
      ['\n', ''],
    ];
    expect(tokenize([text]).rows).toEqual(expected);
    // Every single split point, and one character at a time.
    for (let cut = 0; cut <= text.length; cut++) expect(tokenize([text.slice(0, cut), text.slice(cut)]).rows).toEqual(expected);
    expect(tokenize([...text]).rows).toEqual(expected);
    // A one-column file: `""` is a row holding "", a blank line is no row at all.
    expect(tokenize(['t\n""\n\nx\n""']).rows).toEqual([['t'], [''], ['x'], ['']]);
  });

  it('supports lone-CR (old Mac) line endings and other delimiters', () => {
    expect(tokenize(['a;b\r1;2\r'], ';').rows).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(tokenize(['a\tb\n"x\ty"\t2\n'], '\t').rows).toEqual([
      ['a', 'b'],
      ['x\ty', '2'],
    ]);
  });

  it('keeps a quote inside an unquoted field literally', () => {
    expect(tokenize(['a,b\n5" disk,x\n']).rows).toEqual([
      ['a', 'b'],
      ['5" disk', 'x'],
    ]);
  });

  it('rejects an unterminated quote with the line where it opened, even when fed in chunks', () => {
    const text = 'id,text\n1,ok\n2,"never closed\n3,more\n4,rows\n';
    for (const pieces of [[text], [...text]]) {
      expect(() => tokenize(pieces)).toThrowError(expect.objectContaining({ name: 'CsvUnterminatedQuoteError', line: 3 }));
    }
    expect(() => tokenize([text])).toThrow(/unterminated quoted field starting at line 3/);
  });

  it('rejects text after a closing quote', () => {
    expect(() => tokenize(['a,b\n"x"y,2\n'])).toThrowError(expect.objectContaining({ name: 'CsvMalformedError', line: 2 }));
    expect(() => tokenize(['a,b\n"x"y,2\n'])).toThrow(/after the closing quote/);
  });

  it('collects a long quoted field in linear time (no re-scan per chunk)', () => {
    // 20k chunks of 50 chars inside one quoted field: quadratic re-scanning would take minutes.
    const pieces = ['a,b\n1,"', ...Array.from({ length: 20_000 }, () => 'x'.repeat(49) + '\n'), '",2\n'];
    const { rows } = tokenize(pieces);
    expect(rows).toHaveLength(2);
    expect(rows[1][0]).toBe('1');
    expect(rows[1][1]).toHaveLength(20_000 * 50);
  });

  it('rejects a delimiter it cannot use', () => {
    expect(() => new CsvTokenizer('t.csv', '"', () => undefined)).toThrow(/delimiter/);
    expect(() => new CsvTokenizer('t.csv', ',,', () => undefined)).toThrow(/delimiter/);
  });
});
