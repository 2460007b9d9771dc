import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsv } from './csv-read';
import type { ReadProgress } from './dataset-summary';
import { chunked, rng, sentence, streamOf, utf8 } from './test-fixtures';

const rowsOf = (t: { toArray(): { toJSON(): Record<string, unknown> }[] }): Record<string, unknown>[] =>
  t.toArray().map((r) => r.toJSON());

describe('readCsv', () => {
  it('reads header, BOM, CRLF, quoted commas/newlines/escaped quotes; an empty cell is "" in text, null in typed columns', async () => {
    const csv = '\uFEFFid,text,score,flag\r\n1,"hello, ""world""\r\nline 2",1.5,true\r\n2,plain,,FALSE\r\n3,,3,\r\n';
    const { table, summary } = await readCsv(chunked(utf8(csv), [3, 1, 7]), { fileName: 'a.csv' });
    expect(rowsOf(table)).toEqual([
      { id: 1, text: 'hello, "world"\r\nline 2', score: 1.5, flag: true },
      { id: 2, text: 'plain', score: null, flag: false },
      { id: 3, text: '', score: 3, flag: null },
    ]);
    expect(summary).toMatchObject({ fileName: 'a.csv', format: 'csv', rows: 3, bytes: utf8(csv).byteLength });
    expect(summary.columns).toEqual([
      { name: 'id', type: 'Int32', kind: 'int', nullCount: 0 },
      { name: 'text', type: 'Utf8', kind: 'text', nullCount: 0 },
      { name: 'score', type: 'Float64', kind: 'float', nullCount: 1 },
      { name: 'flag', type: 'Bool', kind: 'bool', nullCount: 1 },
    ]);
  });

  it('reads an empty field, quoted or not, as "" in a text column and null in a typed one (pyarrow\'s default), whatever the chunk size', async () => {
    const csv = 'id,text,n,flag,blank\r\n1,"",7,true,""\r\n2,,"",,\r\n3,hi,,"",""\r\n';
    const expected = [
      { id: 1, text: '', n: 7, flag: true, blank: '' },
      { id: 2, text: '', n: null, flag: null, blank: '' },
      { id: 3, text: 'hi', n: null, flag: null, blank: '' },
    ];
    const bytes = utf8(csv);
    for (let cut = 0; cut <= bytes.byteLength; cut++) {
      const { table } = await readCsv(chunked(bytes, [cut || bytes.byteLength]), { batchBytes: 7 });
      expect(rowsOf(table)).toEqual(expected);
    }
    const { table, summary } = await readCsv(bytes);
    // A column of empties is text, not all-null; an empty cell is null only in typed columns.
    expect(summary.columns).toEqual([
      { name: 'id', type: 'Int32', kind: 'int', nullCount: 0 },
      { name: 'text', type: 'Utf8', kind: 'text', nullCount: 0 },
      { name: 'n', type: 'Int32', kind: 'int', nullCount: 2 },
      { name: 'flag', type: 'Bool', kind: 'bool', nullCount: 2 },
      { name: 'blank', type: 'Utf8', kind: 'text', nullCount: 0 },
    ]);
    expect(table.getChild('text')!.nullCount).toBe(0);
  });

  it('types a column of quoted empties seen in the window by its later values ("" becomes null there)', async () => {
    const lines = ['a,b,c'];
    for (let i = 0; i < 20; i++) lines.push(`${i},"",""`);
    lines.push('20,7,word');
    const { table, summary } = await readCsv(utf8(lines.join('\n')), { batchBytes: 16, inferRows: 5 });
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(['Int32', 'Int32', 'Utf8']);
    expect(table.getChild('b')!.nullCount).toBe(20);
    expect(table.getChild('b')!.get(20)).toBe(7);
    expect(table.getChild('c')!.nullCount).toBe(0);
    expect(table.getChild('c')!.get(0)).toBe('');
    expect(table.getChild('c')!.get(20)).toBe('word');
    expect(summary.widened).toEqual([]);
  });

  it('keeps identifiers text: leading zeros, huge integers, mixed bool/number', async () => {
    const csv = 'zip,big,mixed,wide\n00501,12345678901234567890,1,3000000000\n02134,1,true,-1\n';
    const { table } = await readCsv(utf8(csv));
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(['Utf8', 'Utf8', 'Utf8', 'Float64']);
    expect(rowsOf(table)[0]).toEqual({ zip: '00501', big: '12345678901234567890', mixed: '1', wide: 3000000000 });
  });

  it('emits one RecordBatch per ~batchBytes of input and reports progress', async () => {
    const rand = rng(1);
    const lines = ['id,text'];
    for (let i = 0; i < 2000; i++) lines.push(`${i},"${sentence(rand, 8)}"`);
    const bytes = utf8(lines.join('\n'));
    const events: ReadProgress[] = [];
    const { table, summary } = await readCsv(streamOf(chunked(bytes, [4096])), {
      batchBytes: 16 * 1024,
      totalBytes: bytes.byteLength,
      onProgress: (p) => events.push(p),
    });
    expect(table.numRows).toBe(2000);
    expect(table.batches.length).toBe(Math.ceil(bytes.byteLength / (16 * 1024)));
    expect(summary.batches).toBe(table.batches.length);
    // Rows in order across batches.
    expect(table.getChild('id')!.toArray()).toEqual(Int32Array.from({ length: 2000 }, (_, i) => i));
    expect(events.length).toBeGreaterThan(3);
    expect(events.at(-1)).toEqual({ status: 'reading', bytesRead: bytes.byteLength, totalBytes: bytes.byteLength, rows: 2000, batches: table.batches.length });
    for (let i = 1; i < events.length; i++) expect(events[i].bytesRead).toBeGreaterThanOrEqual(events[i - 1].bytesRead);
  });

  it('infers types over a window of many chunks: a late float widens an int column', async () => {
    const lines = ['n,label'];
    for (let i = 0; i < 300; i++) lines.push(`${i},x${i}`);
    lines.push('2.5,late');
    const { table, summary } = await readCsv(utf8(lines.join('\n')), { batchBytes: 64, inferRows: 1000 });
    expect(table.batches.length).toBeGreaterThan(10);
    expect(String(table.schema.fields[0].type)).toBe('Float64');
    expect(table.getChild('n')!.get(299)).toBe(299);
    expect(table.getChild('n')!.get(300)).toBe(2.5);
    expect(summary.widened).toEqual([]); // decided inside the window: no widening needed
  });

  it('widens earlier batches when text appears after the inference window, keeping every value', async () => {
    const lines = ['n,flag'];
    for (let i = 0; i < 50; i++) lines.push(`${i},${i % 2 === 0 ? 'true' : ''}`);
    lines.push('n/a,maybe');
    const { table, summary } = await readCsv(utf8(lines.join('\n')), { batchBytes: 32, inferRows: 10 });
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(['Utf8', 'Utf8']);
    const n = table.getChild('n')!;
    expect(n.get(0)).toBe('0');
    expect(n.get(49)).toBe('49');
    expect(n.get(50)).toBe('n/a');
    expect(table.getChild('flag')!.get(0)).toBe('true');
    // Once the column is text, its empty cells are "" like in any text column (pyarrow's default).
    expect(table.getChild('flag')!.get(1)).toBe('');
    expect(summary.widened).toEqual([
      { column: 'n', from: 'Int32', to: 'Utf8', atRow: 51 },
      { column: 'flag', from: 'Bool', to: 'Utf8', atRow: 51 },
    ]);
    // Every batch shares the final schema.
    for (const b of table.batches) expect(b.schema.fields.map((f) => String(f.type))).toEqual(['Utf8', 'Utf8']);
  });

  it('widens a column that was all blank in the window', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 20; i++) lines.push(`${i},`);
    lines.push('20,7');
    const { table } = await readCsv(utf8(lines.join('\n')), { batchBytes: 16, inferRows: 5 });
    expect(String(table.schema.fields[1].type)).toBe('Int32');
    expect(table.getChild('b')!.nullCount).toBe(20);
    expect(table.getChild('b')!.get(20)).toBe(7);
  });

  it('honours textColumns, header: false, duplicate/blank header names and .tsv', async () => {
    const forced = await readCsv(utf8('id,v\n1,2\n'), { textColumns: ['id'] });
    expect(forced.table.schema.fields.map((f) => String(f.type))).toEqual(['Utf8', 'Int32']);

    const noHeader = await readCsv(utf8('1,a\n2,b\n'), { header: false });
    expect(noHeader.table.schema.fields.map((f) => f.name)).toEqual(['column_1', 'column_2']);
    expect(noHeader.table.numRows).toBe(2);

    const dup = await readCsv(utf8('x,x,,x\n1,2,3,4\n'));
    expect(dup.table.schema.fields.map((f) => f.name)).toEqual(['x', 'x_2', 'column_3', 'x_3']);

    const tsv = await readCsv(utf8('a\tb\n1\thello, world\n'), { fileName: 'data.tsv' });
    expect(rowsOf(tsv.table)).toEqual([{ a: 1, b: 'hello, world' }]);
  });

  it('reads Node streams, web streams, Blobs and multi-byte characters split across chunks', async () => {
    const csv = 'id,text\n1,naïve café 日本語 🎉\n2,über\n';
    const bytes = utf8(csv);
    const expected = [
      { id: 1, text: 'naïve café 日本語 🎉' },
      { id: 2, text: 'über' },
    ];
    expect(rowsOf((await readCsv(Readable.from(chunked(bytes, [1])))).table)).toEqual(expected);
    expect(rowsOf((await readCsv(streamOf(chunked(bytes, [2, 3])))).table)).toEqual(expected);
    const file = new File([bytes as Uint8Array<ArrayBuffer>], 'upload.csv');
    const fromFile = await readCsv(file);
    expect(rowsOf(fromFile.table)).toEqual(expected);
    expect(fromFile.summary.fileName).toBe('upload.csv');
  });

  it('stops with an AbortError when its signal is aborted', async () => {
    const controller = new AbortController();
    const lines = ['id'];
    for (let i = 0; i < 1000; i++) lines.push(String(i));
    const read = readCsv(streamOf(chunked(utf8(lines.join('\n')), [100])), {
      signal: controller.signal,
      batchBytes: 100,
      onProgress: (p) => {
        if (p.rows > 100) controller.abort();
      },
    });
    await expect(read).rejects.toMatchObject({ name: 'AbortError', message: expect.stringMatching(/cancelled/) });
  });
});

describe('delimiter detection', () => {
  it('reads a semicolon CSV with a BOM and commas inside the texts (detected, summary says so)', async () => {
    const csv = '\uFEFFid;text;score\r\n1;hello, world;1,5\r\n2;"a; quoted, one";2\r\n3;;3\r\n';
    const { table, summary } = await readCsv(utf8(csv), { fileName: 'semi.csv' });
    expect(summary.delimiter).toBe(';');
    expect(table.schema.fields.map((f) => f.name)).toEqual(['id', 'text', 'score']);
    expect(rowsOf(table).map((r) => r.text)).toEqual(['hello, world', 'a; quoted, one', '']);
  });

  it('detects tab and pipe, and honours an explicit override', async () => {
    expect((await readCsv(utf8('a\tb\n1\tx, y\n'), { fileName: 'data.txt' })).summary.delimiter).toBe('\t');
    expect(rowsOf((await readCsv(utf8('a|b\n1|x; y, z\n2|w\n'))).table)).toEqual([
      { a: 1, b: 'x; y, z' },
      { a: 2, b: 'w' },
    ]);
    // Forced: the semicolon file read with ',' is one column per line.
    const forced = await readCsv(utf8('a;b\n1;2\n'), { delimiter: ',' });
    expect(forced.table.schema.fields.map((f) => f.name)).toEqual(['a;b']);
    expect(forced.summary.delimiter).toBe(',');
  });

  it('detects the delimiter whatever the chunk split (the sniffer waits for enough text)', async () => {
    const csv = 'id;text\n' + Array.from({ length: 30 }, (_, i) => `${i};t, ${i}`).join('\n') + '\n';
    const bytes = utf8(csv);
    for (const size of [1, 2, 5, 17, 64]) {
      const { table, summary } = await readCsv(chunked(bytes, [size]));
      expect(summary.delimiter).toBe(';');
      expect(table.numRows).toBe(30);
    }
  });
});
