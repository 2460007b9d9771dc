// Colours for the explorer's colour-by legend: categories get distinct hues, numeric bins a
// sequential ramp (viridis); "other" and null are grey so they never look like a category.
import type { ColumnCodes } from '../../../worker/api';

const CATEGORY = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#17becf', '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#bcbd22', '#7f7f7f'];
const VIRIDIS = ['#440154', '#46327e', '#365c8d', '#277f8e', '#1fa187', '#4ac16d', '#a0da39', '#fde725'];
const GREY = '#c4c7cf';

export function paletteFor(c: ColumnCodes): string[] {
  return c.labels.map((label, i) => {
    if (label.startsWith('∅') || label.startsWith('other (')) return GREY;
    if (c.kind === 'category') return CATEGORY[i % CATEGORY.length];
    const bins = c.labels.filter((l) => !l.startsWith('∅')).length;
    return VIRIDIS[bins <= 1 ? 0 : Math.round((i * (VIRIDIS.length - 1)) / (bins - 1))];
  });
}
