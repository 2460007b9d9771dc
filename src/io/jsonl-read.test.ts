import { describe, expect, it } from 'vitest';
import { readDataset } from './read-dataset';
import { readJsonl } from './jsonl-read';
import { chunked, utf8 } from './test-fixtures';

const rowsOf = (t: { toArray(): { toJSON(): Record<string, unknown> }[] }): Record<string, unknown>[] => t.toArray().map((r) => r.toJSON());

describe('readJsonl', () => {
  it('reads objects split anywhere: union of keys, true nulls, typed columns, nested values as JSON text', async () => {
    const text = '\uFEFF{"id":1,"text":"héllo","ok":true,"score":1.5}\r\n{"id":2,"text":null,"ok":false}\n\n{"id":3,"text":"x","meta":{"a":[1]}}\n';
    for (const size of [1, 3, 7, 1000]) {
      const { table, summary } = await readJsonl(chunked(utf8(text), [size]), { fileName: 'a.jsonl' });
      expect(rowsOf(table)).toEqual([
        { id: 1, text: 'héllo', ok: true, score: 1.5, meta: null },
        { id: 2, text: null, ok: false, score: null, meta: null },
        { id: 3, text: 'x', ok: null, score: null, meta: '{"a":[1]}' },
      ]);
      expect(summary.columns.map((c) => [c.name, c.type, c.nullCount])).toEqual([
        ['id', 'Int32', 0],
        ['text', 'Utf8', 1],
        ['ok', 'Bool', 1],
        ['score', 'Float64', 2],
        ['meta', 'Utf8', 2],
      ]);
      expect(summary.format).toBe('jsonl');
    }
  });

  it('names the line of a bad line, and refuses an empty file', async () => {
    await expect(readJsonl(utf8('{"a":1}\n{"a":\n'), { fileName: 'b.jsonl' })).rejects.toMatchObject({ name: 'JsonlLineError', line: 2 });
    await expect(readJsonl(utf8('{"a":1}\n[1,2]\n'), { fileName: 'b.jsonl' })).rejects.toThrow(/line 2 is not a JSON object \(got an array\)/);
    await expect(readJsonl(utf8('\n\n'), { fileName: 'c.jsonl' })).rejects.toMatchObject({ name: 'EmptyFileError' });
  });

  it('is picked by readDataset for .jsonl / .ndjson names', async () => {
    const { summary } = await readDataset(new Blob(['{"t":"a"}\n']), { fileName: 'x.ndjson' });
    expect(summary.format).toBe('jsonl');
  });
});
