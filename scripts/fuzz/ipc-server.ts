// The server under fuzz, in its own process so that a crash (heap exhaustion, an abort) is seen
// as an exit instead of taking the harness down: the real createServer on 127.0.0.1, port 0,
// with the fuzz functions deployed. Prints `READY <url>` when listening.
import { createServer } from '../../src/server/create-server';
import { FUZZ_FUNCTIONS } from './ipc-seeds';

const { bodyLimit, maxQueuedRows } = JSON.parse(process.argv[2] ?? '{}') as { bodyLimit?: number; maxQueuedRows?: number };
const server = createServer({ host: '127.0.0.1', port: 0, workers: 1, threadsPerWorker: 1, bodyLimit, maxQueuedRows, functions: FUZZ_FUNCTIONS });
const { url } = await server.listen();
process.stdout.write(`READY ${url}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
