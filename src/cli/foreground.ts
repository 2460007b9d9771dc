// The one way a long-running command (serve, worker, start) announces itself, waits for Ctrl-C and
// shuts down: a banner on stderr, one machine-readable line on stdout, then the closers in order.
import type { CliIO } from './main';

export interface ForegroundRun {
  /** First banner line, e.g. "embedbook server listening on http://127.0.0.1:7711". */
  title: string;
  /** The banner's `label: value` lines, in order. */
  lines: ReadonlyArray<readonly [label: string, value: string]>;
  /** Last banner line: what Ctrl-C does. */
  onCtrlC: string;
  /** Printed on stdout once ready (a URL scripts can read). */
  ready: string;
  /** Printed on stderr when Ctrl-C arrives, before closing. */
  stopping: string;
  /** Run in order after Ctrl-C (each awaited). */
  close: ReadonlyArray<() => Promise<void>>;
}

/** Resolves once io.signal aborts (Ctrl-C); never without one. */
function untilStopped(io: CliIO): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!io.signal) return; // no way to stop: run until the process is killed
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Prints the banner, waits for Ctrl-C, closes everything and says so; the command's exit code (0). */
export async function runInForeground(io: CliIO, run: ForegroundRun): Promise<number> {
  io.stderr(`${run.title}\n${run.lines.map(([label, value]) => `  ${label}: ${value}\n`).join('')}  ${run.onCtrlC}\n`);
  io.stdout(`${run.ready}\n`);
  await untilStopped(io);
  io.stderr(`${run.stopping}\n`);
  for (const close of run.close) await close();
  io.stderr('Stopped.\n');
  return 0;
}
