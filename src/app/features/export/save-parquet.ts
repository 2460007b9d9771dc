// The Parquet export. By default the worker writes the file to disk (OPFS) row group by row group
// and hands back a disk-backed File, which downloads through a link: the export never sits in the
// tab's memory. Where OPFS is unavailable, the parts come to the page and become one Blob. With
// the File System Access API, each part is written to the chosen file as it arrives.
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

/** The export as a File: written to OPFS by the worker, or (no OPFS) assembled from parts here. */
async function exportFile(onBytes: (n: number) => void): Promise<{ info: ExportInfo; file: Blob }> {
  try {
    return await workerApi().exportParquetFile(proxy(onBytes));
  } catch (err) {
    // Only a missing/refused OPFS falls back; an export error is the user's to see.
    const name = (err as { name?: string }).name;
    if (name !== 'SecurityError' && name !== 'NotAllowedError' && name !== 'TypeError' && name !== 'InvalidStateError') throw err;
  }
  const parts: Uint8Array[] = [];
  let bytes = 0;
  const info = await workerApi().exportParquet(
    proxy((part: Uint8Array) => {
      parts.push(part);
      bytes += part.byteLength;
      onBytes(bytes);
    }),
  );
  return { info, file: new Blob(parts as BlobPart[], { type: 'application/vnd.apache.parquet' }) };
}

export async function downloadParquet(onBytes: (n: number) => void): Promise<ExportInfo> {
  const { info, file } = await exportFile(onBytes);
  const url = URL.createObjectURL(file);
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
