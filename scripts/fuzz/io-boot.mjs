// Worker-thread entry for the io fuzz: a fresh worker thread cannot load .ts, so it registers
// tsx's loader first (as src/server/worker/boot.mjs does), then imports the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./io-worker.ts');
