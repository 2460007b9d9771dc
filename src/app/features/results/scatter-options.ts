// The explorer scatter's look (regl-scatterplot options), shared by the app and the frame-time bench page.
export const NEUTRAL = '#6366f1';

export const SCATTER_OPTIONS = {
  pointSize: 3,
  opacity: 0.75,
  pointColor: NEUTRAL,
  pointColorActive: '#f59e0b',
  pointOutlineWidth: 2,
  lassoColor: '#4f46e5',
  backgroundColor: '#fcfcfe',
  deselectOnDblClick: true,
  deselectOnEscape: true,
} as const;
