// Receives the Parquet file from the worker part by part. By default the parts become one Blob
// (the browser keeps them as separate parts, never one giant ArrayBuffer) and download through a
// link; with the File System Access API, each part is written to disk as it arrives.
import type { ExportInfo } from '../../../worker/api';
import { proxy, workerApi } from '../../lib/worker-client';

interface WritableLike {
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}
interface SavePickerWindow {
  showSaveFilePicker?: (opts: { suggestedName: string; types: Array<{ description: string; accept: Record<string, string[]> }> }) => Promise<{ createWritable(): Promise<WritableLike> }>;
}

export function canSaveToDisk(): boolean {
  return typeof (window as unknown as SavePickerWindow).showSaveFilePicker === 'function';
}

export async function downloadParquet(onBytes: (n: number) => void): Promise<ExportInfo> {
  const parts: Uint8Array[] = [];
  let bytes = 0;
  const info = await workerApi().exportParquet(
    proxy((part: Uint8Array) => {
      parts.push(part);
      bytes += part.byteLength;
      onBytes(bytes);
    }),
  );
  const blob = new Blob(parts as BlobPart[], { type: 'application/vnd.apache.parquet' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = info.fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return info;
}

/** Streams straight to a file the user picks; resolves null when the picker is dismissed. */
export async function saveParquetToDisk(suggestedName: string, onBytes: (n: number) => void): Promise<ExportInfo | null> {
  const w = window as unknown as SavePickerWindow;
  let handle;
  try {
    handle = await w.showSaveFilePicker!({ suggestedName, types: [{ description: 'Parquet', accept: { 'application/vnd.apache.parquet': ['.parquet'] } }] });
  } catch {
    return null;
  }
  const writable = await handle.createWritable();
  let bytes = 0;
  try {
    const info = await workerApi().exportParquet(
      proxy(async (part: Uint8Array) => {
        await writable.write(part);
        bytes += part.byteLength;
        onBytes(bytes);
      }),
    );
    await writable.close();
    return info;
  } catch (err) {
    await writable.abort().catch(() => undefined);
    throw err;
  }
}
