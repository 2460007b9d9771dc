// Nearest-neighbour search: the query is embedded with the same backend, compared in the worker.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorMessage } from '../../components/error-message';
import { toPlainError, workerApi } from '../../lib/worker-client';
import { cellText } from '../dataset/cell-text';

export function NeighbourSearch({ onHits }: { onHits(rows: number[]): void }) {
  const [query, setQuery] = useState('');
  const m = useMutation({
    mutationFn: async (q: string) => {
      try {
        return await workerApi().search(q, 8);
      } catch (err) {
        throw toPlainError(err);
      }
    },
    onSuccess: (hits) => onHits(hits.map((h) => h.row)),
  });
  return (
    <div className="stack stack--tight">
      <form
        className="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (query.trim()) m.mutate(query);
        }}
      >
        <input value={query} placeholder="Find rows similar to…" data-testid="search-input" onChange={(e) => setQuery(e.target.value)} />
        <button type="submit" className="btn btn--primary" disabled={m.isPending || !query.trim()} data-testid="search-go">
          {m.isPending ? 'Searching…' : 'Search'}
        </button>
      </form>
      {m.error ? <ErrorMessage error={m.error as ReturnType<typeof toPlainError>} /> : null}
      {m.data ? (
        <ol className="hits" data-testid="search-hits">
          {m.data.map((h) => (
            <li key={h.row}>
              <span className="hits__score mono">{h.score.toFixed(3)}</span>
              <span className="muted mono">#{h.row}</span>
              <span className="hits__text">{cellText(h.text, 200)}</span>
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}
