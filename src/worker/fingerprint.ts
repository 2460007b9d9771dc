// A file's identity for "resume": its size plus SHA-256 of its first and last MiB. Cheap for a
// multi-GB file, and any realistic edit of a dataset changes its size or one of its ends.
const SPAN = 1 << 20;

export async function fingerprint(file: Blob): Promise<string> {
  const head = new Uint8Array(await file.slice(0, SPAN).arrayBuffer());
  const tail = file.size > SPAN ? new Uint8Array(await file.slice(Math.max(SPAN, file.size - SPAN)).arrayBuffer()) : new Uint8Array(0);
  const buf = new Uint8Array(head.byteLength + tail.byteLength + 8);
  buf.set(head, 0);
  buf.set(tail, head.byteLength);
  new DataView(buf.buffer).setFloat64(head.byteLength + tail.byteLength, file.size);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  return `${file.size}-${Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
