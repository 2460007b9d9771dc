// Every bad CSV input → its own error class (stable name) and a message naming file, place and fix.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsv } from './csv-read';
import type { ByteSource } from './byte-source';
import { DatasetError } from './errors';
import { chunked, datasetFailure, streamOf, utf8 } from './test-fixtures';

const failure = (bytes: ByteSource, fileName = 'bad.csv'): Promise<DatasetError> => datasetFailure(() => readCsv(bytes, { fileName }));

describe('readCsv bad input', () => {
  it('unterminated quote: names the line where the quote opened', async () => {
    const err = await failure(chunked(utf8('id,text\n1,ok\n2,"oops\n3,x\n'), [5]));
    expect(err.name).toBe('CsvUnterminatedQuoteError');
    expect(err.message).toContain('"bad.csv"');
    expect(err.message).toContain('line 3');
    expect(err.message).toMatch(/closing '"'/);
  });

  it('ragged row: names the data row, line, expected and actual field counts', async () => {
    const err = await failure(utf8('a,b,c\n1,2,3\n"multi\nline",5,6\n4,5\n'));
    expect(err.name).toBe('CsvRaggedRowError');
    expect(err).toMatchObject({ row: 3, line: 5, expected: 3, actual: 2 });
    expect(err.message).toContain('data row 3 (line 5) has 2 fields, but the header has 3');
    expect(err.message).toMatch(/Quote fields that contain the delimiter/);
    const tooMany = await failure(utf8('a,b\n1,2,3\n'));
    expect(tooMany.message).toContain('data row 1 (line 2) has 3 fields, but the header has 2');
  });

  it('empty file, blank-only file and header-only file', async () => {
    const empty = await failure(new Uint8Array(0), 'empty.csv');
    expect(empty.name).toBe('EmptyFileError');
    expect(empty.message).toContain('"empty.csv" is empty: it has no bytes');
    const blank = await failure(utf8('\n\r\n\n'));
    expect(blank.name).toBe('EmptyFileError');
    expect(blank.message).toContain('only blank lines');
    const headerOnly = await failure(utf8('id,text\n'));
    expect(headerOnly.name).toBe('EmptyFileError');
    expect(headerOnly.message).toContain('header row but no data rows');
  });

  it('non-UTF-8 bytes: names the byte offset (across chunk boundaries) and suggests re-saving as UTF-8', async () => {
    // "café" in Latin-1: 0xE9 at byte offset 11.
    const latin1 = Uint8Array.from([...utf8('id,text\n1,caf'), 0xe9, ...utf8('\n')]);
    const err = await failure(chunked(latin1, [4]));
    expect(err.name).toBe('InvalidUtf8Error');
    expect(err).toMatchObject({ byteOffset: 13 });
    expect(err.message).toContain('byte offset 13');
    expect(err.message).toMatch(/Re-save the file as UTF-8/);
    // A multi-byte lead byte at the end of one chunk followed by ASCII in the next.
    const split = Uint8Array.from([...utf8('id\n12'), 0xe2, 0x41, ...utf8('\n')]);
    for (const sizes of [[6], [1], [100]]) {
      const e = await failure(chunked(split, sizes));
      expect(e).toMatchObject({ name: 'InvalidUtf8Error', byteOffset: 5 });
    }
  });

  it('a file cut off in the middle of a multi-byte character', async () => {
    const cut = Uint8Array.from([...utf8('id\n1'), 0xf0, 0x9f]);
    const err = await failure(streamOf([cut]));
    expect(err.name).toBe('InvalidUtf8Error');
    expect(err.message).toContain('byte offset 4');
    expect(err.message).toContain('ends in the middle of a character');
  });

  it('UTF-16 files are recognised as such', async () => {
    const utf16 = Uint8Array.from([0xff, 0xfe, 0x69, 0x00, 0x64, 0x00]);
    const err = await failure(utf16);
    expect(err.name).toBe('InvalidUtf8Error');
    expect(err.message).toContain('UTF-16');
  });

  it('text after a closing quote is a malformed-CSV error with its line', async () => {
    const err = await failure(utf8('a,b\n1,2\n"x"y,3\n'));
    expect(err.name).toBe('CsvMalformedError');
    expect(err.message).toContain('line 3');
  });

  it('fuzz: any bytes, split anywhere, give a table or a DatasetError — never another exception', async () => {
    const csvish = fc.array(fc.constantFrom(...utf8('a1,"\n\r ;é'), 0xff, 0xc3), { maxLength: 60 }).map((a) => Uint8Array.from(a));
    await fc.assert(
      fc.asyncProperty(fc.oneof(csvish, fc.uint8Array({ maxLength: 60 })), fc.integer({ min: 1, max: 9 }), async (bytes, size) => {
        try {
          const { table, summary } = await readCsv(chunked(bytes, [size]), { fileName: 'fuzz.csv', batchBytes: 7 });
          expect(summary.rows).toBe(table.numRows);
          expect(table.numRows).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(DatasetError);
          expect((err as Error).message).toContain('"fuzz.csv"');
        }
      }),
      { numRuns: 500, seed: 3 },
    );
  });

  it('errors survive structured cloning with their name (the worker boundary)', async () => {
    const err = await failure(utf8('a,b\n1\n'));
    const cloned = structuredClone({ name: err.name, message: err.message });
    expect(cloned).toEqual({ name: 'CsvRaggedRowError', message: err.message });
  });
});
