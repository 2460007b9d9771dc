import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readCsv } from './csv-read';
import { suggestTextColumn, textColumnNames, validateTextColumn } from './text-column';
import { utf8 } from './test-fixtures';

const csv = async (s: string): Promise<Table> => (await readCsv(utf8(s))).table;

describe('text column selection', () => {
  it('validates an existing text column and returns its vector', async () => {
    const table = await csv('id,text\n1,hello\n2,world\n');
    expect([...validateTextColumn(table, 'text', 'a.csv')]).toEqual(['hello', 'world']);
    expect(textColumnNames(table)).toEqual(['text']);
  });

  it('unknown column: lists the available ones', async () => {
    const table = await csv('id,text\n1,hello\n');
    expect(() => validateTextColumn(table, 'body', 'a.csv')).toThrowError(
      expect.objectContaining({ name: 'UnknownColumnError', message: '"a.csv" has no column "body". Available columns: "id", "text".' }),
    );
  });

  it('non-text column: names its type and the text columns', async () => {
    const table = await csv('id,text\n1,hello\n');
    expect(() => validateTextColumn(table, 'id', 'a.csv')).toThrowError(
      expect.objectContaining({ name: 'NonTextColumnError', message: expect.stringContaining('column "id" has type Int32, not text') }),
    );
    expect(() => validateTextColumn(table, 'id', 'a.csv')).toThrow(/Text columns: "text"/);
  });

  it('all-null (or all-blank) column', async () => {
    const table = new Table({ note: vectorFromArray([null, null, ''], new Utf8()) });
    expect(() => validateTextColumn(table, 'note', 'b.parquet')).toThrowError(
      expect.objectContaining({ name: 'AllNullColumnError', message: expect.stringContaining('column "note" is empty (all 3 rows are null or blank)') }),
    );
  });

  it('suggests a conventionally named column first, else the longest text, skipping blank ones', async () => {
    expect(suggestTextColumn(await csv('id,title,Content\n1,short,a longer body of text\n'))).toBe('Content');
    expect(suggestTextColumn(await csv('id,a,b\n1,tiny,a much longer sentence here\n2,x,another long one\n'))).toBe('b');
    const withBlankText = new Table({ text: vectorFromArray([null, null], new Utf8()), review: vectorFromArray(['good', 'bad'], new Utf8()) });
    expect(suggestTextColumn(withBlankText)).toBe('review');
    expect(suggestTextColumn(await csv('id,x\n1,2\n'))).toBeUndefined();
  });
});
