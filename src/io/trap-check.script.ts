// Run in a child process by parquet-trap.test.ts: a Parquet file whose data page makes the Rust
// decoder panic is read through the async (lazy) reader. Without the trap guard this process
// dies with an uncaught RuntimeError or hangs; with it, readParquet rejects with ParquetReadError.
import { readCsv } from './csv-read';
import { readParquet } from './parquet-read';
import { writeParquetBuffer } from './parquet-write';
import { rng, utf8 } from './test-fixtures';

const lines = ['id,text,x'];
for (let i = 0; i < 300; i++) lines.push(`${i},t${i},${i / 3}`);
const good = await writeParquetBuffer((await readCsv(utf8(lines.join('\n')))).table, { rowGroupRows: 100 });

// Find a corruption that panics the decoder, using the (catchable) synchronous path.
const rand = rng(1);
let panicking: Uint8Array | undefined;
for (let trial = 0; trial < 400 && !panicking; trial++) {
  const bad = good.slice();
  const flips = 1 + Math.floor(rand() * 8);
  for (let j = 0; j < flips; j++) bad[4 + Math.floor(rand() * (bad.length - 12))] = Math.floor(rand() * 256);
  try {
    await readParquet(bad);
  } catch (err) {
    if ((err as Error).message.includes('crashed')) panicking = bad;
  }
}
if (!panicking) throw new Error('no panicking file found');

const report: Record<string, unknown> = {};
try {
  await readParquet(new Blob([panicking as Uint8Array<ArrayBuffer>]), { fileName: 'panic.parquet', syncLimitBytes: 0 });
  report.asyncRead = 'succeeded';
} catch (err) {
  report.asyncRead = { name: (err as Error).name, message: (err as Error).message };
}
report.goodRowsAfter = (await readParquet(new Blob([good as Uint8Array<ArrayBuffer>]), { syncLimitBytes: 0 })).table.numRows;
console.log(JSON.stringify(report));
