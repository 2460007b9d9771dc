#!/usr/bin/env -S node --no-memory-reducer
// The `embedbook` CLI. The project ships TypeScript sources; tsx's ESM loader is registered in this
// process (no child process, so signals and exit codes pass straight through) and runs them.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
