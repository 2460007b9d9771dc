// Every reader takes the same kinds of byte input, so the browser (File / File.stream()) and Node
// (fs.createReadStream, Readable.toWeb, a Buffer) share one code path. Chunks are consumed one
// at a time: nothing here ever holds the whole file.

export type ByteSource =
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  | Blob
  | Uint8Array
  | ArrayBuffer;

const isBlob = (s: unknown): s is Blob => typeof Blob !== 'undefined' && s instanceof Blob;

/** Total size when the source knows it (Blob, bytes); undefined for streams. */
export function byteSourceSize(source: ByteSource): number | undefined {
  if (source instanceof Uint8Array) return source.byteLength;
  if (source instanceof ArrayBuffer) return source.byteLength;
  if (isBlob(source)) return source.size;
  return undefined;
}

/** The user-facing name for error messages: a File's name when there is one. */
export function byteSourceName(source: ByteSource, fallback = '<input>'): string {
  if (isBlob(source) && 'name' in source && typeof (source as File).name === 'string' && (source as File).name) {
    return (source as File).name;
  }
  return fallback;
}

/** Iterates the source's chunks. ReadableStream is read with a reader (Safari lacks async iteration). */
export async function* iterateBytes(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  if (source instanceof ArrayBuffer) {
    yield new Uint8Array(source);
    return;
  }
  if (isBlob(source)) {
    yield* iterateBytes(source.stream() as ReadableStream<Uint8Array>);
    return;
  }
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const bytes = toU8(value);
        if (bytes.byteLength > 0) yield bytes;
      }
    } finally {
      // Cancelling on early exit (error, abort) releases the file handle; a no-op once done.
      await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
    return;
  }
  for await (const chunk of source as AsyncIterable<Uint8Array>) {
    const bytes = toU8(chunk);
    if (bytes.byteLength > 0) yield bytes;
  }
}

/** Node Buffers are Uint8Arrays already; strings from a misconfigured stream are rejected early. */
function toU8(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError(
    `Expected byte chunks (Uint8Array), got ${typeof chunk}. Open the stream without an encoding (no 'utf8' option).`,
  );
}

/** An async iterable of byte chunks as a web ReadableStream (for Response/download/pipeTo). */
export function toReadableStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await it.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel(reason) {
      await it.return?.(reason);
    },
  });
}
