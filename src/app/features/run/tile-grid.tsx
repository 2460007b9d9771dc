// One tile per chunk, coloured by status. Hover, keyboard focus or a tap shows its rows,
// attempts and latency (touch screens have no hover; tiles are buttons, so Tab reaches them).
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

const TileView = memo(function TileView({ i, t, selected, onHover, onSelect }: { i: number; t: Tile; selected: boolean; onHover(i: number | null): void; onSelect(i: number): void }) {
  return (
    <li
      className={`tile tile--${t.status}${t.cached ? ' tile--cached' : ''}${selected ? ' tile--selected' : ''}`}
      data-testid="tile"
      data-status={t.status}
      data-chunk={i}
      title={describe(i, t)}
      role="button"
      tabIndex={0}
      aria-label={describe(i, t)}
      aria-pressed={selected}
      onMouseEnter={() => onHover(i)}
      onMouseLeave={() => onHover(null)}
      onFocus={() => onSelect(i)}
      onClick={() => onSelect(i)}
    />
  );
});

export function TileGrid() {
  const tiles = useRun((s) => s.tiles);
  const [hover, setHover] = useState<number | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  if (!tiles.length) return null;
  const shown = hover ?? selected;
  const size = tiles.length > 800 ? 'tiles--tiny' : tiles.length > 200 ? 'tiles--small' : '';
  return (
    <div className="stack stack--tight">
      <ul className={`tiles ${size}`} data-testid="tiles" aria-label="Chunks">
        {tiles.map((t, i) => (
          <TileView key={i} i={i} t={t} selected={selected === i} onHover={setHover} onSelect={setSelected} />
        ))}
      </ul>
      <p className="tile-detail mono" data-testid="tile-detail" aria-live="polite">
        {shown !== null && tiles[shown] ? describe(shown, tiles[shown]) : 'Hover, tap or Tab to a tile for its rows, attempts and latency.'}
      </p>
    </div>
  );
}
