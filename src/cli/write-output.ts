// Writes `embed`'s output with src/io's writeEmbeddingsParquet: every input column, then
// `embedding`, then `status` only when some rows failed, streamed row group by row group into a
// temporary file that is renamed into place at the end, so a failed or interrupted run never
// leaves a half-written file under the requested name.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Table } from 'apache-arrow';
import type { ChunkedCallResult } from '../core/types';
import { writeEmbeddingsParquet } from '../io/embedding-output';

export async function writeOutput(path: string, input: Table, result: ChunkedCallResult, metadata: Record<string, string>): Promise<number> {
  const tmp = `${path}.partial-${process.pid}`;
  const out = createWriteStream(tmp);
  let bytes = 0;
  try {
    for await (const chunk of writeEmbeddingsParquet(input, result, { fileName: path, metadata })) {
      bytes += chunk.byteLength;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await rename(tmp, path);
    return bytes;
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}
