// One encapsulated IPC message at a byte position: the continuation marker (or the pre-0.15 bare
// length), the flatbuffer metadata and where the body starts. Shared by the lean reader and the
// metadata check, so both agree on where a stream ends and what counts as damaged framing.
import { ByteBuffer } from 'flatbuffers';
import { Message } from 'apache-arrow/fb/message';

export type Frame =
  /** End of stream: the end marker, or no bytes left for another message. */
  | { kind: 'end' }
  | { kind: 'damaged'; why: string }
  | { kind: 'message'; message: Message; metaLength: number; bodyStart: number };

const CONTINUATION = -1;

export function readFrame(bytes: Uint8Array, view: DataView, pos: number): Frame {
  if (pos + 4 > bytes.byteLength) return { kind: 'end' };
  let len = view.getInt32(pos, true);
  let metaStart = pos + 4;
  if (len === CONTINUATION) {
    if (pos + 8 > bytes.byteLength) return { kind: 'end' };
    len = view.getInt32(pos + 4, true);
    metaStart = pos + 8;
  }
  if (len === 0) return { kind: 'end' };
  if (len < 0 || metaStart + len > bytes.byteLength) {
    return { kind: 'damaged', why: `message metadata of ${len} bytes at byte ${pos} runs past the end of the ${bytes.byteLength}-byte body` };
  }
  const root = len >= 4 ? view.getInt32(metaStart, true) : -1;
  if (root < 0 || root + 4 > len) return { kind: 'damaged', why: `message metadata at byte ${pos} does not start with a valid table offset` };
  const message = Message.getRootAsMessage(new ByteBuffer(bytes.subarray(metaStart, metaStart + len)));
  return { kind: 'message', message, metaLength: len, bodyStart: metaStart + len };
}
