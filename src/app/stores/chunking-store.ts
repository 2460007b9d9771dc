// Chunking cell state. `mode` makes chunkSize and numChunks mutually exclusive by construction.
import { create } from 'zustand';

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
  chunkSize: '64',
  numChunks: '8',
  concurrentChunks: '2',
  timeout: '120',
  retries: '2',
  set: (patch) => set(patch),
}));
