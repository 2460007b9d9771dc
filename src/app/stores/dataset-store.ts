// Dataset cell state, fed by the worker's read progress and its answer.
import { create } from 'zustand';
import type { DatasetInfo, PlainError, ReadProgress } from '../../worker/api';

type DatasetStatus = 'empty' | 'reading' | 'ready' | 'error';

interface DatasetState {
  status: DatasetStatus;
  fileName: string | null;
  progress: ReadProgress;
  info: DatasetInfo | null;
  error: PlainError | null;
  textColumn: string | null;
  /** The open file (re-read when the delimiter changes) and the delimiter chosen for it ('auto' = detect). */
  file: File | null;
  delimiter: string;
  /** Bumped on every successful load so views refetch previews. */
  version: number;
  startReading(fileName: string, totalBytes: number, file?: File, delimiter?: string): void;
  setProgress(p: ReadProgress): void;
  loaded(info: DatasetInfo): void;
  failed(error: PlainError): void;
  chooseTextColumn(name: string): void;
}

export const useDataset = create<DatasetState>()((set) => ({
  status: 'empty',
  fileName: null,
  progress: { bytesRead: 0, totalBytes: 0, rows: 0 },
  info: null,
  error: null,
  textColumn: null,
  file: null,
  delimiter: 'auto',
  version: 0,
  startReading: (fileName, totalBytes, file, delimiter = 'auto') =>
    set({ status: 'reading', fileName, file: file ?? null, delimiter, error: null, info: null, textColumn: null, progress: { bytesRead: 0, totalBytes, rows: 0 } }),
  setProgress: (progress) => set({ progress }),
  loaded: (info) => set((s) => ({ status: 'ready', info, textColumn: info.defaultTextColumn, version: s.version + 1 })),
  failed: (error) => set({ status: 'error', error, info: null, textColumn: null }),
  chooseTextColumn: (textColumn) => set({ textColumn }),
}));
