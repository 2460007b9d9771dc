// `npm run bench -- <name> [...args]` (or `embedbook bench <name>`) runs bench/<name>.bench.ts; with
// no name, npm runs them all. Each benchmark prints its own table and writes
// bench/results/<name>.json (and .md).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The benchmarks there are: bench/<name>.bench.ts. */
export function availableBenchmarks(): string[] {
  return readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length))
    .sort();
}

export class UnknownBenchmarkError extends Error {
  override readonly name = 'UnknownBenchmarkError';
  constructor(name: string, available: string[]) {
    super(`Unknown benchmark "${name}". Available: ${available.join(', ') || '(none yet)'}.`);
  }
}

/** Runs the named benchmarks in order, each with `args`; checks every name before running any. */
export async function runBenchmarks(names: string[], args: string[], log: (line: string) => void = console.log): Promise<void> {
  const available = availableBenchmarks();
  const unknown = names.find((n) => !available.includes(n));
  if (unknown !== undefined) throw new UnknownBenchmarkError(unknown, available);
  for (const bench of names) {
    const mod = (await import(pathToFileURL(join(here, `${bench}.bench.ts`)).href)) as { main(args: string[]): Promise<void> };
    log(`\n=== bench: ${bench}`);
    await mod.main(args);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [name, ...rest] = process.argv.slice(2);
  try {
    await runBenchmarks(name ? [name] : availableBenchmarks(), rest);
  } catch (err) {
    if (!(err instanceof UnknownBenchmarkError)) throw err;
    console.error(err.message);
    process.exitCode = 2;
  }
}
