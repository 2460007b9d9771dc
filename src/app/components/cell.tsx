// The notebook cell frame: number, title, a state badge, and the cell's body.
import type { ReactNode } from 'react';
import { useStale } from '../lib/stale';
import { StaleNotice } from './stale-notice';

/** Cells whose content is a run's output, and what to call it when it is stale. */
const RUN_OUTPUT: Record<string, string> = { run: 'These chunks are', results: 'These results are', export: 'This export is' };

export type CellState = 'idle' | 'busy' | 'ready' | 'error' | 'warn';

interface CellProps {
  id: string;
  index: number;
  title: string;
  state: CellState;
  stateLabel: string;
  actions?: ReactNode;
  children: ReactNode;
}

export function Cell({ id, index, title, state, stateLabel, actions, children }: CellProps) {
  const stale = useStale() && id in RUN_OUTPUT;
  if (stale) {
    state = 'warn';
    stateLabel = 'Stale — re-run';
  }
  return (
    <section className={`cell cell--${state}`} data-testid={`cell-${id}`} aria-labelledby={`cell-${id}-title`}>
      <header className="cell__head">
        <span className="cell__index" aria-hidden="true">
          [{index}]
        </span>
        <h2 id={`cell-${id}-title`} className="cell__title">
          {title}
        </h2>
        <span className={`badge badge--${state}`} data-testid={`cell-${id}-state`}>
          {stateLabel}
        </span>
        {actions ? <div className="cell__actions">{actions}</div> : null}
      </header>
      <div className="cell__body">
        {stale ? <StaleNotice what={RUN_OUTPUT[id]} /> : null}
        {children}
      </div>
    </section>
  );
}
