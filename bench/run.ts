// `npm run bench -- <name> [...args]` runs bench/<name>.bench.ts; with no name, lists them.
// Each benchmark prints its own table and writes bench/results/<name>.json (and .md).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();

const [name, ...rest] = process.argv.slice(2);
const selected = name ? [name] : available;
for (const bench of selected) {
  if (!available.includes(bench)) {
    console.error(`Unknown benchmark "${bench}". Available: ${available.join(', ') || '(none yet)'}.`);
    process.exit(2);
  }
  const mod = (await import(pathToFileURL(join(here, `${bench}.bench.ts`)).href)) as {
    main(args: string[]): Promise<void>;
  };
  console.log(`\n=== bench: ${bench}`);
  await mod.main(rest);
}
