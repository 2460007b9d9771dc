// The explorer's linked state: what is selected (lasso or click), which row is open, what the
// points are coloured by. The plot, the tables and the details panel all read and write here.
import { create } from 'zustand';

export type PlotMode = 'pan' | 'lasso';

interface ExplorerState {
  /** Rows picked by a lasso, a click, or a list (search hits, more like this). */
  selection: number[];
  selectionSource: 'lasso' | 'click' | 'search' | null;
  /** The row whose details are open. */
  focusRow: number | null;
  colourBy: string | null;
  mode: PlotMode;
  /** The point under the pointer (its own slot, so hovering re-renders only the tooltip). */
  hover: { row: number; x: number; y: number } | null;
  setHover(hover: ExplorerState['hover']): void;
  select(rows: number[], source: ExplorerState['selectionSource']): void;
  focus(row: number | null): void;
  setColourBy(column: string | null): void;
  setMode(mode: PlotMode): void;
  reset(): void;
}

const initial = { selection: [] as number[], selectionSource: null, focusRow: null, colourBy: null, mode: 'pan' as PlotMode, hover: null };

export const useExplorer = create<ExplorerState>()((set) => ({
  ...initial,
  select: (rows, source) => set({ selection: rows, selectionSource: rows.length ? source : null }),
  focus: (row) => set({ focusRow: row }),
  setColourBy: (colourBy) => set({ colourBy }),
  setMode: (mode) => set({ mode }),
  setHover: (hover) => set({ hover }),
  reset: () => set(initial),
}));
