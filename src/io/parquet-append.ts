// One Parquet file built from independently written pieces, so a long write can be appended to,
// interrupted and continued: each piece is a complete small Parquet file (parquet-wasm's writer,
// one or more row groups); its row groups' bytes [4, footer) are appended to the growing file and
// its footer's row-group metadata is kept with every file offset shifted to where the bytes
// landed. `parquetFooter` then writes one footer over all of them (hyparquet-writer's thrift
// encoder). No byte of a row group is decoded or re-encoded.
import { parquetMetadata, type FileMetaData, type RowGroup } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { Table, type Schema } from 'apache-arrow';
import { ParquetWriteError } from './errors';
import { writeParquetBuffer } from './parquet-write';

export interface ParquetPiece {
  /** The row groups' bytes (and their page indexes), to append at `base`. */
  data: Uint8Array;
  /** Row-group metadata with file offsets already shifted to `base`. */
  rowGroups: RowGroup[];
  /** The piece's own metadata (schema, key/value metadata) for the final footer. */
  meta: FileMetaData;
}

const MAGIC = 0x31524150; // "PAR1" little-endian

/** Splits a complete Parquet file into its data region and its footer, shifting offsets to `base`. */
export function parquetPiece(bytes: Uint8Array, base: number, fileName = 'output.parquet'): ParquetPiece {
  const n = bytes.byteLength;
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  if (n < 12 || view.getUint32(0, true) !== MAGIC || view.getUint32(n - 4, true) !== MAGIC) {
    throw new ParquetWriteError(fileName, 'a written row-group piece is not a complete Parquet file');
  }
  const footerLength = view.getUint32(n - 8, true);
  const dataEnd = n - 8 - footerLength;
  const meta = parquetMetadata(bytes.slice(dataEnd, n).buffer);
  const delta = BigInt(base - 4);
  const shift = (v: bigint | undefined): bigint | undefined => (v === undefined ? undefined : v + delta);
  const rowGroups = meta.row_groups.map((rg) => ({
    ...rg,
    file_offset: shift(rg.file_offset),
    columns: rg.columns.map((c) => ({
      ...c,
      offset_index_offset: shift(c.offset_index_offset),
      column_index_offset: shift(c.column_index_offset),
      meta_data: c.meta_data && {
        ...c.meta_data,
        data_page_offset: c.meta_data.data_page_offset + delta,
        dictionary_page_offset: shift(c.meta_data.dictionary_page_offset),
        index_page_offset: shift(c.meta_data.index_page_offset),
        bloom_filter_offset: shift(c.meta_data.bloom_filter_offset),
      },
    })),
  }));
  return { data: bytes.subarray(4, dataEnd), rowGroups, meta };
}

/** The file's head: the 4 magic bytes every Parquet file starts with (pieces are appended after). */
export function parquetHead(): Uint8Array {
  return Uint8Array.of(0x50, 0x41, 0x52, 0x31);
}

/** The footer over all appended row groups: thrift metadata, its length, "PAR1". */
export function parquetFooter(template: FileMetaData, rowGroups: RowGroup[]): Uint8Array {
  const numRows = rowGroups.reduce((a, rg) => a + rg.num_rows, 0n);
  const w = new ByteWriter();
  writeMetadata(w, { ...template, num_rows: numRows, row_groups: rowGroups });
  w.appendUint32(MAGIC);
  return new Uint8Array(w.getBuffer());
}

/**
 * Row-group metadata as compact bytes, for a journal that must keep it until the final footer: the
 * thrift footer of a file with `template`'s schema (no key/value metadata) and these row groups.
 * About a sixth of their JSON (measured: 4.1 KB → 0.7 KB for a 5-column row group); read back with
 * rowGroupsFromBytes.
 */
export function rowGroupsToBytes(template: FileMetaData, rowGroups: RowGroup[]): Uint8Array {
  const { version, schema } = template;
  return parquetFooter({ version, schema, num_rows: 0n, row_groups: [], metadata_length: 0 }, rowGroups);
}

/** The row groups that rowGroupsToBytes encoded (offsets and counts as bigints, as parquetMetadata gives them). */
export function rowGroupsFromBytes(bytes: Uint8Array): RowGroup[] {
  // Only the view's own bytes: a Node Buffer is often a view into a larger shared pool.
  return parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).row_groups;
}

/**
 * The same file without its last top-level column, which must be a flat (leaf) column: the schema
 * loses its element, each row group its column chunk (whose bytes stay in the file, unreferenced),
 * and the Arrow schema copy (ARROW:schema) is replaced by `arrowSchema`: the copy the writer puts in
 * a file of the remaining columns (see arrowSchemaOf), since readers rely on it for list types.
 * Used to drop an all-'ok' status column whose need is only known at the end.
 */
export function withoutLastColumns(
  template: FileMetaData,
  rowGroups: RowGroup[],
  arrowSchema: string | undefined,
  count = 1,
): { template: FileMetaData; rowGroups: RowGroup[] } {
  const last = template.schema.slice(-count);
  if (!(count >= 1) || last.length !== count || last.some((c) => c.num_children) || (template.schema[0].num_children ?? 0) < count + 1) {
    throw new Error(`withoutLastColumns: the last ${count} columns are not flat columns of a file with more columns`);
  }
  const root = { ...template.schema[0], num_children: (template.schema[0].num_children ?? 0) - count };
  return {
    template: {
      ...template,
      schema: [root, ...template.schema.slice(1, -count)],
      key_value_metadata: template.key_value_metadata
        ?.filter((kv) => kv.key !== 'ARROW:schema')
        .concat(arrowSchema === undefined ? [] : [{ key: 'ARROW:schema', value: arrowSchema }]),
    },
    rowGroups: rowGroups.map((rg) => {
      const dropped = rg.columns.slice(-count).map((c) => c.meta_data);
      const sum = (size: (m: (typeof dropped)[number]) => bigint | undefined) => dropped.reduce((n, m) => n + (size(m) ?? 0n), 0n);
      return {
        ...rg,
        columns: rg.columns.slice(0, -count),
        total_byte_size: rg.total_byte_size - sum((m) => m?.total_uncompressed_size),
        total_compressed_size: rg.total_compressed_size === undefined ? undefined : rg.total_compressed_size - sum((m) => m?.total_compressed_size),
      };
    }),
  };
}

/** The ARROW:schema value the writer stores for tables of `schema` (from a 0-row file). */
export async function arrowSchemaOf(schema: Schema): Promise<string | undefined> {
  const bytes = await writeParquetBuffer(new Table(schema));
  const n = bytes.byteLength;
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset, n).getUint32(n - 8, true);
  const meta = parquetMetadata(bytes.slice(n - 8 - footerLength, n).buffer);
  return meta.key_value_metadata?.find((kv) => kv.key === 'ARROW:schema')?.value;
}

/** JSON that keeps bigints (Parquet offsets and counts): for journals of appended pieces. */
export function stringifyWithBigInts(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

export function parseWithBigInts<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && typeof (v as { $bigint?: unknown }).$bigint === 'string' ? BigInt((v as { $bigint: string }).$bigint) : v,
  ) as T;
}
