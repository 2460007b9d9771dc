// The notebook cell frame: number, title, a state badge, and the cell's body.
import type { ReactNode } from 'react';

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
      <div className="cell__body">{children}</div>
    </section>
  );
}
