// What a fuzz run counts and how it prints: the pass criteria on top, then the answers seen.

export interface FuzzReport {
  target: string;
  seed: number;
  cases: number;
  seconds: number;
  /** Named failures (crash, 5xx, slow answer, hang, uncaught error…) → count; all must be 0. */
  failures: Record<string, number>;
  /** What the answers were (status + error name, or the reader's error class) → count. */
  outcomes: Map<string, number>;
  slowestMs: number;
  p99Ms: number;
  /** The server's own view (IPC target): time per request and the event loop's longest delay. */
  serverMs?: { p50: number; p99: number; max: number; loopDelayMax: number };
  /** The slowest answers replayed (best of 5 each): what those bodies cost without machine noise. */
  replayedSlowestMs?: number;
  /** Where failing inputs were written (to reproduce them). */
  saved: string[];
  notes: string[];
}

export function passed(r: FuzzReport): boolean {
  return Object.values(r.failures).every((n) => n === 0);
}

export function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function formatReport(r: FuzzReport): string {
  const lines = [
    `fuzz ${r.target}: ${r.cases} cases in ${r.seconds.toFixed(1)} s (seed ${r.seed})`,
    ...Object.entries(r.failures).map(([k, n]) => `  ${k.padEnd(34)} ${n}`),
    `  ${'slowest answer'.padEnd(34)} ${r.slowestMs.toFixed(1)} ms (p99 ${r.p99Ms.toFixed(2)} ms)`,
    ...(r.replayedSlowestMs === undefined ? [] : [`  ${'slowest answers, replayed'.padEnd(34)} ${r.replayedSlowestMs.toFixed(1)} ms (best of 5 each, the 5 slowest)`]),
    `  ${passed(r) ? 'PASS' : 'FAIL'}`,
    '  outcomes:',
    ...[...r.outcomes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, n]) => `    ${String(n).padStart(7)}  ${k}`),
    ...r.notes.map((n) => `  note: ${n}`),
    ...r.saved.slice(0, 10).map((p) => `  failing input: ${p}`),
  ];
  return lines.join('\n');
}

export function count(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}
