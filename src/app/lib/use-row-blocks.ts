// Lazily fetches rows from the worker in fixed blocks (Arrow IPC bytes → Table) for the
// virtualised tables: only the blocks the viewport touches are ever requested.
import { tableFromIPC, type Table } from 'apache-arrow';
import { useCallback, useEffect, useRef, useState } from 'react';

const BLOCK = 100;

export type Row = Record<string, unknown>;

export function useRowBlocks(fetchBlock: (start: number, count: number) => Promise<Uint8Array>, total: number, version: unknown) {
  const blocks = useRef(new Map<number, Row[] | 'loading'>());
  const [, setTick] = useState(0);
  const fetchRef = useRef(fetchBlock);
  fetchRef.current = fetchBlock;

  useEffect(() => {
    blocks.current = new Map();
    setTick((t) => t + 1);
  }, [version]);

  const getRow = useCallback(
    (i: number): Row | undefined => {
      const b = Math.floor(i / BLOCK);
      const have = blocks.current.get(b);
      if (have === 'loading') return undefined;
      if (have) return have[i - b * BLOCK];
      const map = blocks.current;
      map.set(b, 'loading');
      const start = b * BLOCK;
      fetchRef
        .current(start, Math.min(BLOCK, total - start))
        .then((bytes) => {
          const t: Table = tableFromIPC(bytes);
          map.set(b, t.toArray().map((r) => (r as { toJSON(): Row }).toJSON()));
          setTick((x) => x + 1);
        })
        .catch(() => map.delete(b));
      return undefined;
    },
    [total],
  );
  return getRow;
}
