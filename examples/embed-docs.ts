// The seed's end-to-end example in TypeScript: 1,000 documents → embeddings.parquet with `text`
// and `embedding` columns, rows in input order.
//
//   npx tsx examples/embed-docs.ts                                  # local default model (CPU)
//   npx tsx examples/embed-docs.ts --remote http://127.0.0.1:7711   # on `embedbook serve`
//   npx tsx examples/embed-docs.ts -o /tmp/out.parquet              # another output path
//
// With --remote, EMBEDBOOK_API_KEY is sent as the API key when set. In your own project, import
// from 'embedbook' instead of '../src/client/index'.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { LocalRuntime, Remote, embeddingType, writeEmbeddingsParquet, type ChunkProgressEvent, type EmbedFunction } from '../src/client/index';

const { values: flags } = parseArgs({
  options: { remote: { type: 'string' }, output: { type: 'string', short: 'o', default: 'embeddings.parquet' } },
});

// 1,000 documents, deterministic: a few topics, varied lengths.
const topics = ['the ocean', 'mountain hiking', 'baking bread', 'stock markets', 'jazz music', 'machine learning', 'gardening', 'space travel'];
const docs = Array.from({ length: 1000 }, (_, i) => {
  const topic = topics[i % topics.length];
  return `Document ${i}: a short note about ${topic}.${' It goes on a little longer.'.repeat(i % 4)}`;
});
const args = new Table({ text: vectorFromArray(docs, new Utf8()) });

// One interface either way (EmbedFunction): chunkedCall / deferBatch on the shared engine.
const runtime = flags.remote ? undefined : new LocalRuntime({ model: 'default', device: 'auto' });
const embed: EmbedFunction<Float32Array> = flags.remote
  ? new Remote({ url: flags.remote, apiKey: process.env.EMBEDBOOK_API_KEY }).function<Float32Array>('embed', { outputType: embeddingType() })
  : runtime!.function('embed');

// One batch, submitted at once; .get() waits (here at most 60 s).
const handle = embed.deferBatch(args.slice(0, 4));
const first = await handle.get({ timeout: 60 });
console.log(`deferBatch: ${first.values.length} rows, ${(first.values[0] as Float32Array).length}-d, handle ${handle.status}`);

// The whole dataset: 40 chunks of 25 rows, 4 in flight, 120 s per chunk, 2 retries.
let done = 0;
const t0 = performance.now();
const result = await embed.chunkedCall(args, {
  chunkSize: 25,
  concurrentChunks: 4,
  timeout: 120,
  retries: 2,
  onProgress: (e: ChunkProgressEvent) => {
    if (e.status === 'done') process.stderr.write(`\r${(done += e.rows)}/${docs.length} rows`);
  },
});
const seconds = (performance.now() - t0) / 1000;
process.stderr.write('\n');

// `text` + `embedding` (list<float32>) (+ `status` only if some row failed), streamed to disk.
const out = createWriteStream(flags.output);
for await (const bytes of writeEmbeddingsParquet(args, result, { fileName: flags.output })) {
  if (!out.write(bytes)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
await runtime?.dispose();

const dim = (result.table.getChild('result')?.get(0) as { length: number }).length;
console.log(
  `Wrote ${flags.output}: ${result.table.numRows} rows × ${dim}-d, ${result.failedRows} failed, ` +
    `${result.chunks} chunks, ${Math.round(docs.length / seconds)} rows/s (${flags.remote ? `remote ${flags.remote}` : 'local default model'}).`,
);
