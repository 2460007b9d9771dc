// `embedbook bench [name|all] [flags…]`: the benchmarks of bench/ (the same runner as `npm run
// bench`). With no name it lists them, since running all of them takes many minutes.
import type { CliIO } from './main';
import { CliUsageError } from './errors';

export async function runBenchCommand(name: string | undefined, args: string[], io: CliIO): Promise<number> {
  const { availableBenchmarks, runBenchmarks, UnknownBenchmarkError } = await import('../../bench/run');
  const available = availableBenchmarks();
  if (!name) {
    io.stdout(`benchmarks: ${available.join(', ')}\nrun one with \`embedbook bench <name> [flags]\`, or all with \`embedbook bench all\`; results go to bench/results/<name>.{json,md}\n`);
    return 0;
  }
  try {
    await runBenchmarks(name === 'all' ? available : [name], args, (line) => io.stdout(`${line}\n`));
    return 0;
  } catch (err) {
    if (err instanceof UnknownBenchmarkError) throw new CliUsageError(err.message);
    throw err;
  }
}
