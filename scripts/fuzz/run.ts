// `npm run fuzz -- <ipc|csv|parquet> [--cases N] [--seconds S] [--seed X] [--json FILE]`: a bounded
// fuzz run (whichever of the case count or the time runs out first). Prints the pass criteria and
// exits 1 when any failure count is not 0.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatReport, passed, type FuzzReport } from './report';
import type { FuzzRunOptions } from './ipc';

export const FUZZ_TARGETS: Record<string, () => Promise<(o: FuzzRunOptions) => Promise<FuzzReport>>> = {
  ipc: async () => (await import('./ipc')).runIpcFuzz,
  csv: async () => (await import('./io')).runCsvFuzz,
  parquet: async () => (await import('./io')).runParquetFuzz,
};

export class FuzzUsageError extends Error {
  override readonly name = 'FuzzUsageError';
}

function positive(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new FuzzUsageError(`--${flag} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

const USAGE = `Usage: npm run fuzz -- <${Object.keys(FUZZ_TARGETS).join('|')}> [--cases N] [--seconds S] [--seed X] [--json FILE]`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { cases: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    // An unknown or malformed option: the usage line, not Node's stack trace.
    throw new FuzzUsageError(`${err instanceof Error ? err.message.split('. ')[0] : String(err)}.\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const target = positionals[0];
  if (!target || !(target in FUZZ_TARGETS)) throw new FuzzUsageError(USAGE);
  const run = await FUZZ_TARGETS[target]();
  const report = await run({
    cases: Math.floor(positive('cases', values.cases, 10_000)),
    seconds: positive('seconds', values.seconds, 600),
    seed: values.seed === undefined ? (Date.now() & 0x7fffffff) : Math.floor(Number(values.seed)),
    log: (l) => console.log(l),
  });
  console.log(formatReport(report));
  if (values.json) writeFileSync(values.json, JSON.stringify({ ...report, outcomes: Object.fromEntries(report.outcomes), passed: passed(report) }, null, 2));
  return passed(report) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof FuzzUsageError)) throw err;
    console.error(err.message);
    process.exitCode = 2;
  }
}
