import type { ChunkPlan } from '../../../core/types';
import { formatCount } from '../../lib/format';
import { sizeGroups } from './validate-chunking';

interface ChunkPreviewProps {
  plan: ChunkPlan[] | null;
  rows: number | null;
  concurrentChunks: number;
}

/** "32 chunks: 31 × 64 rows, 1 × 16 rows · up to 2 at once". */
export function ChunkPreview({ plan, rows, concurrentChunks }: ChunkPreviewProps) {
  if (rows === null) return <p className="hint" data-testid="chunk-preview">Load a dataset to preview the chunks.</p>;
  if (!plan) return <p className="hint hint--warn" data-testid="chunk-preview">Fix the settings above to preview the chunks.</p>;
  const groups = sizeGroups(plan);
  const max = Math.max(1, ...groups.map((g) => g.rows));
  return (
    <div className="chunk-preview" data-testid="chunk-preview">
      <p>
        <strong data-testid="chunk-count">{formatCount(plan.length)}</strong> chunk{plan.length === 1 ? '' : 's'} over {formatCount(rows)} rows · up to{' '}
        {Math.min(concurrentChunks, Math.max(plan.length, 1))} at once
      </p>
      <ul className="chunk-preview__bars">
        {groups.map((g) => (
          <li key={g.rows}>
            <span className="chunk-preview__bar" style={{ width: `${Math.max(4, (100 * g.rows) / max)}%` }} />
            <span className="mono">
              {formatCount(g.count)} × {formatCount(g.rows)} rows
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
