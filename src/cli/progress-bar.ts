// A live progress line for long runs, on stderr so stdout stays clean for pipes.
// `formatProgress` is pure (unit-tested); `ProgressBar` folds engine events into it and redraws
// at most every `intervalMs` on a TTY, or prints a plain line every 10% when not a TTY (CI logs).
import type { ChunkProgressEvent } from '../core/types';

export interface ProgressState {
  totalRows: number;
  doneRows: number;
  totalChunks: number;
  doneChunks: number;
  failedRows: number;
  retries: number;
  elapsedMs: number;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '--';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatRate(rowsPerSec: number): string {
  if (!Number.isFinite(rowsPerSec) || rowsPerSec <= 0) return '-- rows/s';
  return rowsPerSec >= 100 ? `${Math.round(rowsPerSec).toLocaleString('en-US')} rows/s` : `${rowsPerSec.toFixed(1)} rows/s`;
}

export function formatProgress(s: ProgressState, width = 24): string {
  const frac = s.totalRows > 0 ? Math.min(1, s.doneRows / s.totalRows) : 1;
  const filled = Math.round(frac * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const rate = s.elapsedMs > 0 ? (s.doneRows * 1000) / s.elapsedMs : 0;
  const eta = rate > 0 ? ((s.totalRows - s.doneRows) / rate) * 1000 : Number.POSITIVE_INFINITY;
  const parts = [
    `${bar} ${String(Math.floor(frac * 100)).padStart(3)}%`,
    `${s.doneRows.toLocaleString('en-US')}/${s.totalRows.toLocaleString('en-US')} rows`,
    `chunks ${s.doneChunks}/${s.totalChunks}`,
    formatRate(rate),
    s.doneRows >= s.totalRows ? `in ${formatDuration(s.elapsedMs)}` : `ETA ${formatDuration(eta)}`,
  ];
  if (s.retries > 0) parts.push(`${s.retries} retries`);
  if (s.failedRows > 0) parts.push(`${s.failedRows} failed`);
  return parts.join(' · ');
}

export interface ProgressBarOptions {
  totalRows: number;
  totalChunks: number;
  write: (text: string) => void;
  isTTY: boolean;
  now?: () => number;
  intervalMs?: number;
}

export class ProgressBar {
  private readonly state: ProgressState;
  private readonly start: number;
  private readonly now: () => number;
  private lastDraw = -Infinity;
  private lastDecile = -1;
  private finished = false;

  constructor(private readonly opts: ProgressBarOptions) {
    this.now = opts.now ?? (() => Date.now());
    this.start = this.now();
    this.state = { totalRows: opts.totalRows, doneRows: 0, totalChunks: opts.totalChunks, doneChunks: 0, failedRows: 0, retries: 0, elapsedMs: 0 };
  }

  get snapshot(): ProgressState {
    return { ...this.state, elapsedMs: this.now() - this.start };
  }

  /** Feed every engine progress event here. */
  onEvent = (e: ChunkProgressEvent): void => {
    if (e.status === 'done') {
      this.state.doneRows += e.rows;
      this.state.doneChunks++;
      this.state.failedRows += e.failedRows;
    } else if (e.status === 'failed') {
      this.state.doneRows += e.rows;
      this.state.doneChunks++;
      this.state.failedRows += e.rows;
    } else if (e.status === 'retrying') {
      this.state.retries++;
    }
    this.draw(false);
  };

  private draw(force: boolean): void {
    if (this.finished) return;
    const t = this.now();
    this.state.elapsedMs = t - this.start;
    if (this.opts.isTTY) {
      if (!force && t - this.lastDraw < (this.opts.intervalMs ?? 100)) return;
      this.lastDraw = t;
      this.opts.write(`\r\x1b[2K${formatProgress(this.state)}`);
      return;
    }
    const decile = this.state.totalRows > 0 ? Math.floor((this.state.doneRows / this.state.totalRows) * 10) : 10;
    if (force || decile > this.lastDecile) {
      this.lastDecile = decile;
      this.opts.write(`${formatProgress(this.state)}\n`);
    }
  }

  /** Draws the final line (and a newline on a TTY). */
  finish(): void {
    if (this.finished) return;
    if (this.opts.isTTY) {
      this.draw(true);
      this.opts.write('\n');
    } else if (this.lastDecile < 10 || this.state.doneRows < this.state.totalRows) {
      this.draw(true);
    }
    this.finished = true;
  }
}
