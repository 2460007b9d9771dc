import { Field, Float32, List, Table, makeData, makeVector, tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowSchemaOf, parquetFooter, parquetHead, parquetPiece, withoutLastColumns, rowGroupsFromBytes, rowGroupsToBytes, stringifyWithBigInts } from './parquet-append';
import { readParquet } from './parquet-read';
import { writeParquetBuffer } from './parquet-write';

function part(from: number, n: number): Table {
  const flat = Float32Array.from({ length: n * 3 }, (_, i) => from * 3 + i);
  const offsets = Int32Array.from({ length: n + 1 }, (_, i) => i * 3);
  const type = new List(new Field('item', new Float32(), true));
  const embedding = makeVector(makeData({ type, length: n, valueOffsets: offsets, child: makeData({ type: new Float32(), length: flat.length, data: flat }) }));
  const t = tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => from + i), text: Array.from({ length: n }, (_, i) => `row ${from + i}`) });
  return new Table({ id: t.getChild('id')!, text: t.getChild('text')!, embedding });
}

describe('parquet pieces appended into one file', () => {
  it('reads back every row of every piece, in order, as one file', async () => {
    const chunks: Uint8Array[] = [parquetHead()];
    let size = 4;
    const groups = [];
    let template;
    for (const [from, n] of [[0, 5], [5, 7], [12, 1]]) {
      const piece = parquetPiece(await writeParquetBuffer(part(from, n), { rowGroupRows: 4, metadata: { k: 'v' } }), size);
      template ??= piece.meta;
      // The piece's row groups survive the journal's round trip (thrift bytes; bigint offsets included),
      // in a fraction of their JSON's size.
      const bytes = rowGroupsToBytes(template, piece.rowGroups);
      const restored = rowGroupsFromBytes(Buffer.from(Buffer.from(bytes).toString('base64'), 'base64')); // as the journal keeps them
      // All but `ordinal` (a row group's place in its piece, not in the whole file): the footer writer leaves it out.
      expect(restored).toEqual(piece.rowGroups.map((rg) => ({ ...rg, ordinal: undefined })));
      expect(bytes.byteLength * 3).toBeLessThan(stringifyWithBigInts(piece.rowGroups).length);
      groups.push(...restored);
      chunks.push(piece.data);
      size += piece.data.byteLength;
    }
    chunks.push(parquetFooter(template!, groups));
    const file = new Uint8Array(chunks.reduce((a, c) => a + c.byteLength, 0));
    let at = 0;
    for (const c of chunks) {
      file.set(c, at);
      at += c.byteLength;
    }
    const { table } = await readParquet(file);
    expect(table.numRows).toBe(13);
    expect(Array.from(table.getChild('id')!.toArray() as Int32Array)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    expect(table.getChild('text')!.get(12)).toBe('row 12');
    expect(Array.from(table.getChild('embedding')!.get(7) as Iterable<number>)).toEqual([21, 22, 23]);
  });

  it('drops the last (flat) column from the footer: the file reads back without it', async () => {
    const t = part(0, 6);
    const withStatus = new Table({ id: t.getChild('id')!, embedding: t.getChild('embedding')!, text: t.getChild('text')! });
    const piece = parquetPiece(await writeParquetBuffer(withStatus, { rowGroupRows: 4 }), 4);
    const kept = new Table({ id: t.getChild('id')!, embedding: t.getChild('embedding')! });
    const dropped = withoutLastColumns(piece.meta, piece.rowGroups, await arrowSchemaOf(kept.schema));
    const footer = parquetFooter(dropped.template, dropped.rowGroups);
    const file = new Uint8Array(4 + piece.data.byteLength + footer.byteLength);
    file.set(parquetHead(), 0);
    file.set(piece.data, 4);
    file.set(footer, 4 + piece.data.byteLength);
    const { table } = await readParquet(file);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['id', 'embedding']);
    expect(Array.from(table.getChild('embedding')!.get(5) as Iterable<number>)).toEqual([15, 16, 17]);
  });

  it('refuses bytes that are not a whole Parquet file', () => {
    expect(() => parquetPiece(new Uint8Array(20), 4)).toThrow(/not a complete Parquet file/);
  });
});
