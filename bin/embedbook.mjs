#!/usr/bin/env -S node --no-memory-reducer
// The `embedbook` CLI. The project ships TypeScript sources; tsx's ESM loader is registered in this
// process (no child process, so signals and exit codes pass straight through) and runs them.
// --no-memory-reducer (shebang; `npm start` passes it too): once an `embedbook serve` had been idle
// for a minute, V8's memory reducer shrank its heap, which then grew back so slowly that every
// later batch GC'd about twice as often for the rest of the process's life (2M rows: 123 vs 67
// mark-compacts, 4.3 vs 3.4 µs of server CPU per row). An idle server keeps its working heap instead.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
