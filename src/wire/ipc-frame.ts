// One encapsulated IPC message at a byte position: the continuation marker (or the pre-0.15 bare
// length), the flatbuffer metadata and where the body starts: the framing the metadata check
// (ipc-guard) walks before apache-arrow reads a stream; the hostile-body tests and the fuzzer's
// seeds use it to find the bytes they forge.
import { ByteBuffer } from 'flatbuffers';
import { Message } from 'apache-arrow/fb/message';

export type Frame =
  /** End of stream: the end marker, or no bytes left for another message; `next`: the byte after it. */
  | { kind: 'end'; next: number }
  | { kind: 'damaged'; why: string }
  | { kind: 'message'; message: Message; metaLength: number; bodyStart: number };

const CONTINUATION = -1;

export function readFrame(bytes: Uint8Array, view: DataView, pos: number): Frame {
  if (pos + 4 > bytes.byteLength) return { kind: 'end', next: bytes.byteLength };
  let len = view.getInt32(pos, true);
  let metaStart = pos + 4;
  if (len === CONTINUATION) {
    if (pos + 8 > bytes.byteLength) return { kind: 'end', next: bytes.byteLength };
    len = view.getInt32(pos + 4, true);
    metaStart = pos + 8;
  }
  if (len === 0) return { kind: 'end', next: metaStart };
  if (len < 0 || metaStart + len > bytes.byteLength) {
    return { kind: 'damaged', why: `message metadata of ${len} bytes at byte ${pos} runs past the end of the ${bytes.byteLength}-byte body` };
  }
  const root = len >= 4 ? view.getInt32(metaStart, true) : -1;
  if (root < 0 || root + 4 > len) return { kind: 'damaged', why: `message metadata at byte ${pos} does not start with a valid table offset` };
  const message = Message.getRootAsMessage(new ByteBuffer(bytes.subarray(metaStart, metaStart + len)));
  return { kind: 'message', message, metaLength: len, bodyStart: metaStart + len };
}

/**
 * Whether non-zero bytes follow a stream's end marker. apache-arrow reads on after it (a second
 * stream in the same bytes), so what follows must be refused, not left unchecked.
 */
export function bytesAfterEnd(bytes: Uint8Array, next: number): number {
  for (let i = next; i < bytes.byteLength; i++) if (bytes[i] !== 0) return bytes.byteLength - next;
  return 0;
}

/** Whether two byte ranges hold the same bytes (cached schema metadata is found by its bytes). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
