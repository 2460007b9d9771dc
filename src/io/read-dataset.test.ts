import { describe, expect, it } from 'vitest';
import { iterateBytes, toReadableStream } from './byte-source';
import { readDataset } from './read-dataset';
import { writeParquetBuffer } from './parquet-write';
import { concatBytes } from '../core/bytes';
import { streamOf, utf8 } from './test-fixtures';
import { readCsv } from './csv-read';

describe('readDataset', () => {
  it('picks Parquet by magic bytes even without an extension, CSV otherwise', async () => {
    const { table } = await readCsv(utf8('id,text\n1,a\n2,b\n'));
    const parquet = await writeParquetBuffer(table);
    const fromMagic = await readDataset(new File([parquet as Uint8Array<ArrayBuffer>], 'upload'));
    expect(fromMagic.summary.format).toBe('parquet');
    expect(fromMagic.table.numRows).toBe(2);
    const fromCsv = await readDataset(new File(['id,text\n1,a\n'], 'upload'));
    expect(fromCsv.summary.format).toBe('csv');
  });

  it('trusts a .parquet extension, so a mislabelled CSV gets the clear Parquet error', async () => {
    await expect(readDataset(utf8('id,text\n1,a\n'), { fileName: 'data.parquet' })).rejects.toMatchObject({
      name: 'NotParquetError',
      message: expect.stringContaining('looks like text'),
    });
  });

  it('refuses a stream for Parquet (it needs random access) and says what to pass instead', async () => {
    await expect(readDataset(streamOf([utf8('PAR1')]), { fileName: 'x.parquet' })).rejects.toThrow(/File\/Blob or bytes \(in Node: fs\.openAsBlob/);
  });
});

describe('byte sources', () => {
  it('round-trips chunks through toReadableStream and iterateBytes', async () => {
    async function* gen() {
      yield utf8('ab');
      yield utf8('');
      yield utf8('cd');
    }
    const parts: Uint8Array[] = [];
    for await (const p of iterateBytes(toReadableStream(gen()))) parts.push(p);
    expect(new TextDecoder().decode(concatBytes(parts))).toBe('abcd');
    expect(parts).toHaveLength(2); // empty chunks are dropped
  });

  it('rejects text chunks (a stream opened with an encoding) with a hint', async () => {
    async function* strings() {
      yield 'id,text\n' as unknown as Uint8Array;
    }
    await expect(readCsv(strings())).rejects.toThrow(/without an encoding/);
  });
});
