// `embedbook worker --store redis://…`: a worker node. It serves no API: it learns the deployed
// functions from the store's registry (at start and as they are deployed through any API node) and
// claims batches of those its workers fit. `--health-port` adds GET /health and GET /metrics.
// Ctrl-C lets running batches finish (up to the grace), hands the rest back to the queue, and stops.
import { startWorkerNode } from '../server/worker-node';
import { CliUsageError, listenError } from './errors';
import type { CliIO } from './main';
import { runInForeground } from './foreground';
import { openStoreFlag, parsePort, parseReclaimIdleMs } from './serve-command';
import { describePool, parseServeTuning, type RawServeTuning } from './serve-options';

export interface WorkerFlags extends Omit<RawServeTuning, 'maxQueuedRows' | 'bodyLimit'> {
  store?: string;
  healthPort?: string;
  healthHost?: string;
  reclaimIdleMs?: string;
}

export async function runWorker(flags: WorkerFlags, io: CliIO): Promise<number> {
  const tuning = parseServeTuning(flags, 1);
  const healthPort = flags.healthPort !== undefined ? parsePort(flags.healthPort, 'health-port') : undefined;
  const spec = flags.store ?? process.env.EMBEDBOOK_STORE;
  if (spec === undefined || spec === '' || spec === 'memory') {
    throw new CliUsageError('A worker node takes its work from a shared store: give --store redis://host:port (the URL the API nodes use), or set EMBEDBOOK_STORE.', 'store');
  }
  const opened = await openStoreFlag(spec, { reclaimIdleMs: parseReclaimIdleMs(flags.reclaimIdleMs) });
  let node;
  try {
    node = await startWorkerNode({ ...tuning, store: opened.store!, registry: opened.registry!, healthPort, healthHost: flags.healthHost });
  } catch (err) {
    await opened.close();
    throw healthPort !== undefined && (err as NodeJS.ErrnoException).code ? listenError(err, flags.healthHost ?? '127.0.0.1', healthPort) : err;
  }
  const { queue } = node;
  const running = node;
  return runInForeground(io, {
    title: 'embedbook worker node running',
    lines: [
      ['functions', queue.functionNames().join(', ') || '(none yet: deploy through an API node)'],
      ['store', opened.description],
      ['pool', describePool(tuning, queue.pool.size)],
      ['device', `${queue.device.device} (${queue.device.reason})`],
      ['health', node.healthUrl !== undefined ? `${node.healthUrl}/health and /metrics` : 'off (--health-port N to serve /health and /metrics)'],
    ],
    onCtrlC: 'Ctrl-C finishes running batches, hands the rest back to the queue and stops.',
    ready: node.healthUrl ?? 'ready',
    stopping: 'Stopping: finishing running batches…',
    close: [() => running.close(), () => opened.close()],
  });
}
