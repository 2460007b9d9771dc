// Valid inputs for the dataset readers in src/io: CSV/TSV text in the shapes users drop (quotes,
// CRLF, BOM, unicode, typed columns) and Parquet files written by the project's own writer.
import { Field, FixedSizeList, Float32, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { writeParquetBuffer } from '../../src/io/parquet-write';
import type { Hotspot } from './mutate';

export interface IoSeed {
  what: string;
  fileName: string;
  bytes: Uint8Array;
  hot: Hotspot[];
}

const enc = new TextEncoder();

export function csvSeeds(): IoSeed[] {
  const rows = Array.from({ length: 30 }, (_, i) => `${i},"text ${i}, with a comma",${i * 0.5},${i % 2 === 0},${i % 4 === 0 ? '' : `ünï ${i}`}`);
  const texts: Array<[string, string, string]> = [
    ['simple', 'data.csv', 'id,text\n1,hello\n2,world\n'],
    ['typed columns', 'typed.csv', `id,text,score,flag,note\n${rows.join('\n')}\n`],
    ['quoted newlines and doubled quotes, CRLF', 'quoted.csv', 'a,b\r\n"line one\nline two","say ""hi"""\r\n"",x\r\n'],
    ['BOM and no final newline', 'bom.csv', '\uFEFFtitle,body\nA,"b, c"\nD,e'],
    ['TSV', 'data.tsv', 'id\ttext\n1\tone\n2\t"two\tthree"\n'],
    ['empty cells and nulls', 'sparse.csv', 'a,b,c\n,,\n1,,x\n,2,\n'],
    ['wide unicode', 'uni.csv', 'text\n日本語のテキスト\n😀 emoji\nкириллица\n'],
  ];
  return texts.map(([what, fileName, text]) => ({ what, fileName, bytes: enc.encode(text), hot: [] }));
}

/** Extra tokens the CSV mutator inserts: the bytes the tokenizer and UTF-8 decoder branch on. */
export const CSV_TOKENS = ['"', '""', ',', '\n', '\r', '\r\n', '\t', '\uFEFF', '\0', '"a,b"', '\\'].map((t) => enc.encode(t)).concat([
  new Uint8Array([0xc3]), new Uint8Array([0xe2, 0x82]), new Uint8Array([0xff]), new Uint8Array([0xf0, 0x9f, 0x98]), new Uint8Array([0xed, 0xa0, 0x80]),
]);

/** The footer's length (the int32 before the closing PAR1), the main length field of a Parquet file. */
function parquetHotspots(b: Uint8Array): Hotspot[] {
  return b.length >= 8 ? [{ at: b.length - 8, width: 4 }] : [];
}

export async function parquetSeeds(): Promise<IoSeed[]> {
  const texts = Array.from({ length: 40 }, (_, i) => (i % 9 === 4 ? null : `row ${i} text ünï`));
  const emb = new FixedSizeList(4, new Field('item', new Float32(), false));
  const tables: Array<[string, Table, Parameters<typeof writeParquetBuffer>[1]]> = [
    ['text column, zstd', new Table({ text: vectorFromArray(texts, new Utf8()) }), {}],
    ['text + int, uncompressed, 3 row groups', new Table({ id: vectorFromArray(texts.map((_, i) => i), new Int32()), text: vectorFromArray(texts, new Utf8()) }), { compression: 'uncompressed', rowGroupRows: 15 }],
    ['embeddings (fixed-size list), snappy', new Table({ text: vectorFromArray(texts.slice(0, 10), new Utf8()), embedding: vectorFromArray(Array.from({ length: 10 }, (_, i) => [i, 1, 2, 3]), emb) }), { compression: 'snappy', metadata: { model: 'm' } }],
  ];
  const out: IoSeed[] = [];
  for (const [what, table, opts] of tables) {
    const bytes = await writeParquetBuffer(table, opts);
    out.push({ what, fileName: 'data.parquet', bytes, hot: parquetHotspots(bytes) });
  }
  return out;
}
