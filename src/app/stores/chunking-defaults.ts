// The Chunking cell's starting values: what a user who changes nothing runs with. Kept apart from
// the store (no zustand/React) so the local-threads bench can run the app's setup from Node.
export const APP_CHUNKING = { chunkSize: 64, numChunks: 8, concurrentChunks: 2, timeout: 120, retries: 2 } as const;
