// Says exactly what the plot shows: which rows UMAP laid out (a sample, and how big), how the
// rest were placed, how far it has got, and what is missing.
import { formatCount } from '../../lib/format';
import type { ProjectionState } from './use-projection';

export function ProjectionCaption({ p, failedRows }: { p: ProjectionState; failedRows: number }) {
  const drawn = p.points?.rows.length ?? 0;
  const rest = p.total - p.sampleRows;
  const progress =
    p.phase === 'umap'
      ? `UMAP epoch ${p.epoch} of ${p.epochs || '…'}`
      : p.phase === 'placing'
        ? `placing the other rows: ${formatCount(p.placed - p.sampleRows)} of ${formatCount(rest)}`
        : p.phase === 'done' && p.stats
          ? `UMAP ${((p.stats.pcaMs + p.stats.knnMs + p.stats.epochsMs) / 1000).toFixed(1)} s, placement ${(p.stats.placeMs / 1000).toFixed(1)} s`
          : '';
  const pct = p.phase === 'umap' && p.epochs ? p.epoch / p.epochs : p.phase === 'placing' && rest > 0 ? (p.placed - p.sampleRows) / rest : p.phase === 'done' ? 1 : 0;
  return (
    <div className="explorer__caption" data-testid="explorer-caption" data-phase={p.phase} data-drawn={drawn}>
      {p.phase !== 'done' && p.phase !== 'error' ? (
        <div className="explorer__progress" aria-label="projection progress">
          <div style={{ width: `${Math.round(pct * 100)}%` }} />
        </div>
      ) : null}
      <span>
        <strong>{formatCount(drawn)}</strong> points drawn (WebGL).{' '}
        {p.sampleRows < p.total ? (
          <>
            UMAP laid out an evenly spaced <strong>sample of {formatCount(p.sampleRows)}</strong> of the {formatCount(p.total)} rows; the other {formatCount(rest)} are placed at the weighted mean of their 5 nearest sample rows (PCA-32 of the embeddings), so their positions are approximate.
          </>
        ) : (
          <>UMAP laid out all {formatCount(p.total)} rows.</>
        )}{' '}
        {failedRows ? `${formatCount(failedRows)} failed rows have no embedding and are not shown. ` : ''}
        <span className="muted" data-testid="explorer-progress">
          {progress}
        </span>
      </span>
    </div>
  );
}
