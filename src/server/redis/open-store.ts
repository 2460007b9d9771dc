// Picks the queue store from a `--store` value: 'memory' (or nothing) = the embedded default,
// redis:// or rediss:// = RedisStreamsQueueStore, so several servers share one queue. ioredis is
// loaded only when a Redis URL is given.
import type { QueueStore } from '../store';
import { EmbedbookError } from '../../core/errors';

export class InvalidStoreSpecError extends EmbedbookError {
  override readonly name = 'InvalidStoreSpecError';
  constructor(readonly spec: string) {
    super(`--store must be "memory" or a Redis URL like redis://127.0.0.1:6379 (rediss:// for TLS; ?prefix=name: sets the key prefix), got ${JSON.stringify(spec)}.`);
  }
}

export interface OpenedStore {
  /** undefined = let the server make its in-memory default. */
  store?: QueueStore;
  /** For the startup banner, without a password. */
  description: string;
  close(): Promise<void>;
}

export async function openQueueStore(spec: string | undefined): Promise<OpenedStore> {
  if (spec === undefined || spec === '' || spec === 'memory') return { description: 'memory (this process only)', close: async () => undefined };
  if (!/^rediss?:\/\//i.test(spec)) throw new InvalidStoreSpecError(spec);
  const { RedisStreamsQueueStore } = await import('../redis-store');
  const store = await RedisStreamsQueueStore.connect(spec);
  const url = new URL(spec);
  if (url.password) url.password = '***';
  url.searchParams.delete('prefix');
  return { store, description: `redis streams at ${url.toString()} (key prefix "${store.prefix}", consumer ${store.consumer})`, close: () => store.close() };
}
