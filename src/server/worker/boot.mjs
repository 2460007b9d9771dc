// Worker-thread entry. Plain JS on purpose: a fresh worker thread cannot load .ts, so it registers
// tsx's loader for this thread first, then imports the TypeScript worker. (Node 20's `execArgv:
// ['--import', 'tsx']` does not apply to a worker's main module.)
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
