// Streaming UTF-8 decoding that fails loudly. TextDecoder (fatal, stream) handles multi-byte
// characters split across chunks and strips a leading BOM; when it throws it does not say where,
// so on that (rare) path we re-scan the bytes ourselves to name the byte offset.
import { InvalidUtf8Error } from './errors';

export class StrictUtf8Decoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** Absolute offset of the next chunk's first byte. */
  private offset = 0;
  /** Last few bytes of the previous chunk: a sequence may straddle the boundary. */
  private tail: Uint8Array = new Uint8Array(0);

  constructor(private readonly file: string) {}

  decode(chunk: Uint8Array): string {
    const start = this.offset;
    try {
      const text = this.decoder.decode(chunk, { stream: true });
      this.offset += chunk.byteLength;
      this.tail = chunk.subarray(Math.max(0, chunk.byteLength - 3));
      return text;
    } catch {
      throw this.locate(chunk, start);
    }
  }

  /** Flushes; an incomplete sequence at the very end is an error too. */
  end(): string {
    try {
      return this.decoder.decode();
    } catch {
      const incomplete = trailingIncomplete(this.tail);
      throw new InvalidUtf8Error(this.file, this.offset - incomplete, ' (the file ends in the middle of a character)');
    }
  }

  private locate(chunk: Uint8Array, chunkStart: number): InvalidUtf8Error {
    if (chunkStart === 0 && chunk.byteLength >= 2) {
      const utf16 =
        (chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff);
      if (utf16) return new InvalidUtf8Error(this.file, 0, ' (it starts with a UTF-16 byte-order mark: the file is UTF-16)');
    }
    const joined = new Uint8Array(this.tail.byteLength + chunk.byteLength);
    joined.set(this.tail, 0);
    joined.set(chunk, this.tail.byteLength);
    // Start at a character boundary inside the carried tail (skip continuation bytes).
    let from = 0;
    while (from < this.tail.byteLength && (joined[from] & 0xc0) === 0x80) from++;
    const bad = firstInvalidUtf8(joined, from);
    const abs = chunkStart - this.tail.byteLength + (bad < 0 ? from : bad);
    return new InvalidUtf8Error(this.file, Math.max(0, abs));
  }
}

/** Index of the first byte that starts an invalid sequence, or -1 (incomplete end is not invalid here). */
export function firstInvalidUtf8(b: Uint8Array, from = 0): number {
  let i = from;
  const n = b.byteLength;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= n) {
      // Incomplete at the end: invalid only if a present byte is not a continuation byte.
      for (let k = i + 1; k < n; k++) if ((b[k] & 0xc0) !== 0x80) return i;
      return -1;
    }
    let cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if ((cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** How many bytes at the end form an incomplete (but so far valid) sequence. */
function trailingIncomplete(tail: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, tail.byteLength); k++) {
    const c = tail[tail.byteLength - k];
    if ((c & 0xc0) === 0x80) continue;
    return c >= 0xc0 ? k : 0;
  }
  return 0;
}
