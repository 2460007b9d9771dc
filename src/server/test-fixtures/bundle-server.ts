// A queue server in its own process for the stale-bundle test: starts on 127.0.0.1:0 with the
// bundle folder given as argv[2], deploys one bundled function, prints "deployed", and runs until
// killed (SIGKILL leaves its bundle folder behind, as a crashed server would).
import { createServer } from '../create-server';
import { LENGTH_BUNDLE } from './handlers';

const server = createServer({ host: '127.0.0.1', port: 0, workers: 1, threadsPerWorker: 1, bundleDir: process.argv[2] });
await server.listen();
await server.queue.deploy({ name: 'len', output: 'float64' }, LENGTH_BUNDLE);
process.stdout.write('deployed\n');
setInterval(() => undefined, 60_000);
