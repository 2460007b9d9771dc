// Nearest-neighbour search: the query is embedded with the same backend and compared (cosine) in
// the worker. Hits are listed with every column, selected on the plot, and open on click.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { ColumnInfo } from '../../../worker/api';
import { ErrorMessage } from '../../components/error-message';
import { toPlainError, workerApi } from '../../lib/worker-client';
import { useExplorer } from './explorer-store';
import { RowsTable } from './rows-table';

const HITS = 50;

export function NeighbourSearch({ version, columns, textColumn }: { version: number; columns: ColumnInfo[]; textColumn: string }) {
  const [query, setQuery] = useState('');
  const { select, focus, focusRow } = useExplorer();
  const m = useMutation({
    mutationFn: async (q: string) => {
      try {
        return await workerApi().search(q, HITS);
      } catch (err) {
        throw toPlainError(err);
      }
    },
    onSuccess: (hits) => select(hits.map((h) => h.row), 'search'),
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
        <>
          <p className="hint">
            {m.data.length} nearest rows to “{m.variables}” (cosine, highlighted on the plot). Click one to open it.
          </p>
          <RowsTable version={version} rows={m.data.map((h) => h.row)} scores={new Map(m.data.map((h) => [h.row, h.score]))} columns={columns} textColumn={textColumn} activeRow={focusRow} onPick={focus} testId="search-hits" />
        </>
      ) : null}
    </div>
  );
}
