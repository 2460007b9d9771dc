// Byte-array helpers shared by every layer (a core module so io, model and wire may all import it).

/**
 * The parts joined into one new Uint8Array, in order. One part is returned as it is (no copy):
 * callers that must own the bytes should copy it themselves.
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let size = 0;
  for (const part of parts) size += part.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
