// Chunking cell state. `mode` makes chunkSize and numChunks mutually exclusive by construction.
import { create } from 'zustand';
import { APP_CHUNKING } from './chunking-defaults';

export type ChunkMode = 'chunkSize' | 'numChunks';

export interface ChunkingFields {
  mode: ChunkMode;
  chunkSize: string;
  numChunks: string;
  concurrentChunks: string;
  /** Empty = wait forever. */
  timeout: string;
  retries: string;
}

interface ChunkingState extends ChunkingFields {
  set(patch: Partial<ChunkingFields>): void;
}

export const useChunking = create<ChunkingState>()((set) => ({
  mode: 'chunkSize',
  chunkSize: String(APP_CHUNKING.chunkSize),
  numChunks: String(APP_CHUNKING.numChunks),
  concurrentChunks: String(APP_CHUNKING.concurrentChunks),
  timeout: String(APP_CHUNKING.timeout),
  retries: String(APP_CHUNKING.retries),
  set: (patch) => set(patch),
}));
