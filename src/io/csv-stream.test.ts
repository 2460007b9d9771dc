import { Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readCsv } from './csv-read';
import { csvBatches, scanCsv } from './csv-stream';
import { InvalidUtf8Error, ReadAbortedError } from './errors';

const enc = new TextEncoder();

describe('CSV as a stream of record batches (two passes)', () => {
  it('gives the same columns, types and rows as readCsv, even when a late row widens a column', async () => {
    const lines = ['id,score,text,flag'];
    for (let i = 0; i < 3000; i++) lines.push(`${i},${i % 7},"row ${i}, quoted",${i % 2 === 0}`);
    lines.push('n/a,2.5,"last\nrow",true');
    const bytes = enc.encode(lines.join('\n') + '\n');
    const opts = { fileName: 'w.csv', batchBytes: 4096 };
    const scan = await scanCsv(bytes, opts);
    expect(scan.rows).toBe(3001);
    const batches = [];
    for await (const b of csvBatches(bytes, scan, opts)) batches.push(b);
    expect(batches.length).toBeGreaterThan(5);
    const streamed = new Table(batches);
    const { table } = await readCsv(bytes, { fileName: 'w.csv', inferRows: 100, batchBytes: 4096 });
    expect(streamed.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(table.schema.fields.map((f) => `${f.name}:${f.type}`));
    expect(String(streamed.schema.fields[0].type)).toBe('Utf8');
    expect(streamed.numRows).toBe(table.numRows);
    for (const i of [0, 1, 2047, 2999, 3000]) expect(streamed.get(i)?.toJSON()).toEqual(table.get(i)?.toJSON());
  });

  it('names empty files and header-only files like readCsv', async () => {
    await expect(scanCsv(new Uint8Array(0), { fileName: 'e.csv' })).rejects.toThrow(/no bytes/);
    await expect(scanCsv(enc.encode('a,b\n'), { fileName: 'h.csv' })).rejects.toThrow(/no data rows/);
    await expect(scanCsv(enc.encode('a,b\n1,2\n3\n'), { fileName: 'r.csv' })).rejects.toThrow(/r\.csv/);
  });

  it('reads through the same text loop as readCsv: tab for a .tsv name, the same UTF-8 error, the same abort', async () => {
    const tsv = enc.encode('a\tb\n1\tx, y\n2\tz\n');
    const scan = await scanCsv(tsv, { fileName: 't.tsv' });
    expect(scan.names).toEqual(['a', 'b']);
    const { table } = await readCsv(tsv, { fileName: 't.tsv' });
    expect(table.getChild('b')?.toArray()).toEqual(['x, y', 'z']);

    const bad = enc.encode('a,b\n1,ok\n2,');
    const broken = new Uint8Array(bad.length + 2);
    broken.set(bad);
    broken.set([0xc3, 0x28], bad.length); // a lead byte followed by a non-continuation byte
    const streamErr = await scanCsv(broken, { fileName: 'u.csv' }).catch((e: unknown) => e);
    const readErr = await readCsv(broken, { fileName: 'u.csv' }).catch((e: unknown) => e);
    expect(streamErr).toBeInstanceOf(InvalidUtf8Error);
    expect(readErr).toBeInstanceOf(InvalidUtf8Error);
    expect((streamErr as Error).message).toBe((readErr as Error).message);

    const controller = new AbortController();
    controller.abort();
    await expect(scanCsv(tsv, { fileName: 't.tsv', signal: controller.signal })).rejects.toBeInstanceOf(ReadAbortedError);
    await expect(readCsv(tsv, { fileName: 't.tsv', signal: controller.signal })).rejects.toBeInstanceOf(ReadAbortedError);
  });
});
