// One tile per chunk, coloured by status; hovering a tile shows its rows, attempts and latency.
import { memo, useState } from 'react';
import { formatCount, formatDuration } from '../../lib/format';
import { useRun, type Tile } from '../../stores/run-store';

function describe(i: number, t: Tile): string {
  const parts = [`Chunk ${i}`, `rows ${formatCount(t.offset + 1)}–${formatCount(t.offset + t.rows)} (${t.rows})`, t.cached ? 'saved earlier' : t.status];
  if (t.attempt) parts.push(`attempt ${t.attempt}`);
  if (t.latencyMs !== null) parts.push(formatDuration(t.latencyMs));
  if (t.error) parts.push(t.error);
  return parts.join(' · ');
}

const TileView = memo(function TileView({ i, t, onHover }: { i: number; t: Tile; onHover(i: number | null): void }) {
  return (
    <li
      className={`tile tile--${t.status}${t.cached ? ' tile--cached' : ''}`}
      data-testid="tile"
      data-status={t.status}
      data-chunk={i}
      title={describe(i, t)}
      onMouseEnter={() => onHover(i)}
      onMouseLeave={() => onHover(null)}
    />
  );
});

export function TileGrid() {
  const tiles = useRun((s) => s.tiles);
  const [hover, setHover] = useState<number | null>(null);
  if (!tiles.length) return null;
  const size = tiles.length > 800 ? 'tiles--tiny' : tiles.length > 200 ? 'tiles--small' : '';
  return (
    <div className="stack stack--tight">
      <ul className={`tiles ${size}`} data-testid="tiles" aria-label="Chunks">
        {tiles.map((t, i) => (
          <TileView key={i} i={i} t={t} onHover={setHover} />
        ))}
      </ul>
      <p className="tile-detail mono" data-testid="tile-detail">
        {hover !== null && tiles[hover] ? describe(hover, tiles[hover]) : 'Hover a tile for its rows, attempts and latency.'}
      </p>
    </div>
  );
}
