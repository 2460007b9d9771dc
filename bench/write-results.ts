// Where a benchmark leaves its numbers: bench/results/<name>.json (everything measured) and
// <name>.md (the tables the docs quote).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

export function writeResults(name: string, summary: unknown, md: string): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, `${name}.md`), md);
}
