// Valid request bodies for every body-taking route of the queue API — call bodies written by
// apache-arrow and by the project's own client codec, deploy bodies as the CLI sends them — and
// where their lengths and counts sit (the mutator's hotspots).
import { Bool, Field, FixedSizeList, Float32, Float64, Int32, Int64, List, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { RecordBatch } from 'apache-arrow/fb/record-batch';
import { Schema } from 'apache-arrow/fb/schema';
import { encodeCallArgs } from '../../src/client/call-codec';
import { readFrame } from '../../src/wire/ipc-frame';
import type { Hotspot } from './mutate';

/** The fuzz server's admin key: deploys must reach the deploy route's parsers, not stop at 403. */
export const FUZZ_ADMIN_KEY = 'fuzz-admin-key';

/** The functions the fuzz server deploys; each seed is a valid call to one of them. */
export const FUZZ_FUNCTIONS = [
  { definition: { name: 'len', maxBatchingSize: 16, maxBufferDuration: 2, output: 'float64' }, bundle: 'export default { handler: async (text) => text.map((t) => (t ?? "").length) };' },
  { definition: { name: 'vec', args: { v: 'number[][]' }, maxBatchingSize: 16, maxBufferDuration: 2, output: 'float64' }, bundle: 'export default { handler: async (v) => v.map((x) => (x ? x.length : 0)) };' },
  {
    definition: { name: 'mixed', args: { n: 'number[]', b: 'boolean[]', j: 'json[]' }, maxBatchingSize: 16, maxBufferDuration: 2, output: 'float64' },
    bundle: 'export default { handler: async (n) => n.map((x) => Number(x) || 0) };',
  },
  { definition: { name: 'tbl', input: 'table', maxBatchingSize: 16, maxBufferDuration: 2, output: 'float64' }, bundle: 'export default { handler: async (t) => Array.from({ length: t.numRows }, () => 1) };' },
];

export interface Seed {
  route: 'call' | 'deploy';
  /** The function a call seed is valid for. */
  fn: string;
  what: string;
  body: Uint8Array;
  hot: Hotspot[];
}

const texts = (n: number) => Array.from({ length: n }, (_, i) => (i % 7 === 3 ? null : `row ${i} ${'word '.repeat(i % 5)}ünï`));

function callTables(): Array<{ fn: string; what: string; table: Table; batches?: number }> {
  const list = new List(new Field('item', new Float32(), true));
  const vecs = Array.from({ length: 5 }, (_, i) => (i === 2 ? null : Array.from({ length: 4 }, (_, k) => i + k / 10)));
  return [
    { fn: 'len', what: 'utf8, 1 row', table: new Table({ text: vectorFromArray(['x'.repeat(85)], new Utf8()) }) },
    { fn: 'len', what: 'utf8 with nulls, 40 rows', table: new Table({ text: vectorFromArray(texts(40), new Utf8()) }) },
    { fn: 'len', what: 'utf8, 2 batches', table: new Table({ text: vectorFromArray(texts(6), new Utf8()) }), batches: 2 },
    { fn: 'len', what: 'dictionary utf8', table: new Table({ text: vectorFromArray(['a', 'b', 'a', 'c']) }) },
    { fn: 'vec', what: 'list<float32> with a null', table: new Table({ v: vectorFromArray(vecs, list) }) },
    { fn: 'vec', what: 'list<float64>', table: new Table({ v: vectorFromArray([[1, 2], [3], []], new List(new Field('item', new Float64(), true))) }) },
    { fn: 'vec', what: 'fixed-size list<float32>', table: new Table({ v: vectorFromArray([[1, 2], [3, 4], [5, 6]], new FixedSizeList(2, new Field('item', new Float32(), true))) }) },
    {
      fn: 'mixed',
      what: 'int32/int64/bool/json',
      table: new Table({
        n: vectorFromArray([1, 2, null, 4], new Int32()),
        b: vectorFromArray([true, false, null, true], new Bool()),
        j: vectorFromArray(['{"a":1}', '[1,2]', null, '"s"'], new Utf8()),
      }),
    },
    { fn: 'mixed', what: 'int64 numbers', table: new Table({ n: vectorFromArray([1n, 2n, 3n], new Int64()), b: vectorFromArray([true, true, false], new Bool()), j: vectorFromArray(['1', '2', '3'], new Utf8()) }) },
    { fn: 'tbl', what: 'table input', table: new Table({ text: vectorFromArray(texts(9), new Utf8()) }) },
  ];
}

/**
 * Byte positions of the stream's lengths and counts: each message's metadata length, its body
 * length, and for record batches the row count, every field node (length, null count), every
 * buffer (offset, length) and the vectors' element counts; the schema's field count.
 */
export function ipcHotspots(b: Uint8Array): Hotspot[] {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Hotspot[] = [];
  let pos = 0;
  for (;;) {
    const f = readFrame(b, view, pos);
    if (f.kind !== 'message') return out;
    const metaStart = f.bodyStart - f.metaLength;
    out.push({ at: metaStart - 4, width: 4 });
    const field = (t: object, slot: number): number => {
      const { bb, bb_pos: at } = t as { bb: { __offset(at: number, slot: number): number }; bb_pos: number };
      const o = bb.__offset(at, slot);
      return o ? at + o : -1;
    };
    const vector = (t: object, slot: number): number => {
      const { bb, bb_pos: at } = t as { bb: { __offset(at: number, slot: number): number; __vector(at: number): number }; bb_pos: number };
      const o = bb.__offset(at, slot);
      return o ? bb.__vector(at + o) : -1;
    };
    const bodyLen = field(f.message, 10);
    if (bodyLen >= 0) out.push({ at: metaStart + bodyLen, width: 8 });
    const type = f.message.headerType();
    if (type === MessageHeader.RecordBatch) {
      const rb = f.message.header(new RecordBatch()) as RecordBatch;
      const len = field(rb, 4);
      if (len >= 0) out.push({ at: metaStart + len, width: 8 });
      for (const [slot, n] of [[6, rb.nodesLength()], [8, rb.buffersLength()]] as const) {
        const v = vector(rb, slot);
        if (v < 0) continue;
        out.push({ at: metaStart + v - 4, width: 4 });
        for (let i = 0; i < n * 2; i++) out.push({ at: metaStart + v + i * 8, width: 8 });
      }
    } else if (type === MessageHeader.Schema) {
      const s = f.message.header(new Schema()) as Schema;
      const v = vector(s, 6);
      if (v >= 0) out.push({ at: metaStart + v - 4, width: 4 });
    }
    pos = f.bodyStart + Number(f.message.bodyLength());
  }
}

function callSeed(fn: string, what: string, body: Uint8Array): Seed {
  return { route: 'call', fn, what, body, hot: ipcHotspots(body) };
}

export function ipcSeeds(): Seed[] {
  const seeds: Seed[] = [];
  for (const { fn, what, table, batches } of callTables()) {
    const t = batches ? new Table(table.batches.flatMap(() => table.slice(0, 3).batches).concat(table.slice(3).batches)) : table;
    seeds.push(callSeed(fn, `apache-arrow: ${what}`, tableToIPC(t, 'stream')));
    // The client's own codec: the lean writer for all-text chunks, apache-arrow's otherwise.
    const own = encodeCallArgs(table);
    seeds.push(callSeed(fn, `client codec: ${what}`, own));
  }
  const enc = new TextEncoder();
  for (const def of [
    { definition: { name: 'fz-deploy', maxBatchingSize: 8, maxBufferDuration: 5, retries: 1, resources: { cpu: 1, memory: '256Mi' }, output: 'float64' }, bundle: FUZZ_FUNCTIONS[0].bundle },
    { definition: { name: 'fz-deploy', args: { a: 'number[]', b: 'json[]' }, input: 'columns', maxBatchingSize: 3, batchTimeoutMs: 1000 }, bundle: FUZZ_FUNCTIONS[2].bundle },
  ]) {
    seeds.push({ route: 'deploy', fn: 'fz-deploy', what: 'deploy JSON', body: enc.encode(JSON.stringify(def)), hot: [] });
  }
  return seeds;
}
