// The scale benchmark's loopback client (a child process of bench/scale.bench.ts): the public Remote
// client streams `rows` generated text rows to the cheap function in 1,000-row chunks and counts the
// results in a sink that keeps nothing, so rows/s measures the client ↔ server path alone (no
// Parquet reading or writing). Prints one JSON line: { rows, seconds, failed }.
//   node --import tsx bench/scale-client.ts <url> <rows> <chunkSize> <concurrency>
import { RecordBatch, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { Remote } from '../src/client/remote';

const [url, rowsArg, chunkArg, concurrencyArg] = process.argv.slice(2);
const rows = Number(rowsArg);

async function* input(): AsyncIterable<RecordBatch> {
  const group = 10_000;
  for (let at = 0; at < rows; at += group) {
    const n = Math.min(group, rows - at);
    const texts = Array.from({ length: n }, (_, i) => `document ${at + i} about topic ${(at + i) % 97}`);
    yield* new Table({ text: vectorFromArray(texts, new Utf8()) }).batches;
  }
}

let seen = 0;
let failed = 0;
const t0 = performance.now();
await new Remote({ url }).function<Float32Array>('cheap384').chunkedCall(input(), {
  chunkSize: Number(chunkArg),
  concurrentChunks: Number(concurrencyArg),
  sink: {
    write({ table }) {
      const status = table.getChild('status')!;
      for (let i = 0; i < table.numRows; i++) if (status.get(i) !== 'ok') failed++;
      seen += table.numRows;
    },
  },
});
const seconds = (performance.now() - t0) / 1000;
if (seen !== rows) throw new Error(`the sink saw ${seen} rows of ${rows}`);
console.log(JSON.stringify({ rows, seconds, failed }));
