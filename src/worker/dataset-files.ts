// The dropped dataset file, kept for "resume after reload": in the Origin Private File System
// (not IndexedDB: a multi-GB file is written as a stream to a real file and read back as a File
// without a copy in memory). One file at a time, under a fixed name.
export interface DatasetFiles {
  /** Stores `file` as the saved dataset (replacing any other); `id` skips the write when unchanged. */
  save(file: Blob, id: string): Promise<void>;
  /** The saved dataset, or undefined. */
  load(): Promise<File | undefined>;
  clear(): Promise<void>;
}

const NAME = 'dataset';

/** OPFS (navigator.storage.getDirectory) — in the worker and the page. */
export function opfsDatasetFiles(root: () => Promise<FileSystemDirectoryHandle> = () => navigator.storage.getDirectory()): DatasetFiles {
  let savedId: string | undefined;
  return {
    async save(file, id) {
      if (savedId === id) return;
      const dir = await root();
      const handle = await dir.getFileHandle(NAME, { create: true });
      const writable = await handle.createWritable();
      // pipeTo closes the writable (committing the file) when the stream ends, aborts it on error.
      await file.stream().pipeTo(writable);
      savedId = id;
    },
    async load() {
      const dir = await root();
      try {
        return await (await dir.getFileHandle(NAME)).getFile();
      } catch (err) {
        if ((err as { name?: string }).name === 'NotFoundError') return undefined;
        throw err;
      }
    },
    async clear() {
      savedId = undefined;
      await (await root()).removeEntry(NAME).catch((err: { name?: string }) => {
        if (err.name !== 'NotFoundError') throw err;
      });
    },
  };
}

/** In-memory DatasetFiles for unit tests. */
export function memoryDatasetFiles(): DatasetFiles {
  let saved: File | undefined;
  return {
    async save(file) {
      saved = new File([file], NAME);
    },
    async load() {
      return saved;
    },
    async clear() {
      saved = undefined;
    },
  };
}
