// Files the worker keeps on disk in the Origin Private File System (not IndexedDB, not memory):
// the dataset file of an interrupted run (for "resume after reload": a multi-GB file is written
// as a stream to a real file and read back as a disk-backed File) and the Parquet export (written
// part by part as the writer makes it; the page downloads the finished File). One file per slot.
interface FileSlot {
  /** Replaces the slot's content with `file`; the same `id` as the last save skips the write. */
  save(file: Blob, id: string): Promise<void>;
  /** Starts replacing the slot's content part by part. */
  open(): Promise<FileWriter>;
  /** The stored file, or undefined. */
  load(): Promise<File | undefined>;
  clear(): Promise<void>;
}

interface FileWriter {
  write(part: Uint8Array): Promise<void>;
  /** Commits the file and returns it (disk-backed in OPFS). */
  close(): Promise<File>;
  abort(): Promise<void>;
}

export interface WorkerFiles {
  dataset: FileSlot;
  export: FileSlot;
}

/** One OPFS file (navigator.storage.getDirectory()/<name>) — in the worker and the page. */
function opfsFileSlot(name: string, root: () => Promise<FileSystemDirectoryHandle> = () => navigator.storage.getDirectory()): FileSlot {
  let savedId: string | undefined;
  const handle = async () => (await root()).getFileHandle(name, { create: true });
  return {
    async save(file, id) {
      if (savedId === id) return;
      savedId = undefined;
      // pipeTo closes the writable (committing the file) when the stream ends, aborts it on error.
      await file.stream().pipeTo(await (await handle()).createWritable());
      savedId = id;
    },
    async open() {
      savedId = undefined;
      const h = await handle();
      const w = await h.createWritable();
      return {
        write: (part) => w.write(part as Uint8Array<ArrayBuffer>),
        close: async () => (await w.close(), h.getFile()),
        abort: () => w.abort(),
      };
    },
    async load() {
      try {
        const file = await (await (await root()).getFileHandle(name)).getFile();
        return file.size > 0 ? file : undefined;
      } catch (err) {
        if ((err as { name?: string }).name === 'NotFoundError') return undefined;
        throw err;
      }
    },
    async clear() {
      savedId = undefined;
      await (await root()).removeEntry(name).catch((err: { name?: string }) => {
        if (err.name !== 'NotFoundError') throw err;
      });
    },
  };
}

export function opfsWorkerFiles(): WorkerFiles {
  return { dataset: opfsFileSlot('dataset'), export: opfsFileSlot('export.parquet') };
}

/** In-memory FileSlot for unit tests. */
function memoryFileSlot(name: string): FileSlot {
  let saved: File | undefined;
  return {
    async save(file) {
      saved = new File([file], name);
    },
    async open() {
      const parts: Uint8Array[] = [];
      return {
        write: async (part) => void parts.push(part.slice()),
        close: async () => (saved = new File(parts as BlobPart[], name)),
        abort: async () => undefined,
      };
    },
    async load() {
      return saved;
    },
    async clear() {
      saved = undefined;
    },
  };
}

export function memoryWorkerFiles(): WorkerFiles {
  return { dataset: memoryFileSlot('dataset'), export: memoryFileSlot('export.parquet') };
}
