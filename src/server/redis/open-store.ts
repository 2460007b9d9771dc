// Picks the queue store from a `--store` value: 'memory' (or nothing) = the embedded default,
// redis://, rediss:// or redis-cluster:// = RedisStreamsQueueStore and RedisRegistryStore, so several
// nodes share one queue and one set of deployed functions. ioredis is loaded only when a Redis URL is given.
import type { RegistryStore } from '../registry/registry-store';
import type { QueueStore } from '../store';
import { EmbedbookError } from '../../core/errors';
import type { RedisStoreOptions } from '../redis-store';
import { shownUrlWithoutPrefix } from './shown-url';

export class InvalidStoreSpecError extends EmbedbookError {
  override readonly name = 'InvalidStoreSpecError';
  constructor(readonly spec: string) {
    super(
      `--store must be "memory" or a Redis URL like redis://127.0.0.1:6379 (rediss:// for TLS; redis-cluster://host:port[,host:port…] for a Redis Cluster; ?prefix=name: sets the key prefix), got ${JSON.stringify(spec)}.`,
    );
  }
}

export interface OpenedStore {
  /** undefined = let the server make its in-memory default. */
  store?: QueueStore;
  /** Where functions are deployed: on Redis, shared by every node of the store (undefined: in memory). */
  registry?: RegistryStore;
  /** For the startup banner, without a password. */
  description: string;
  close(): Promise<void>;
}

/** `opts` apply to a Redis store (e.g. reclaimIdleMs); the in-memory store takes none. */
export async function openQueueStore(spec: string | undefined, opts: RedisStoreOptions = {}): Promise<OpenedStore> {
  if (spec === undefined || spec === '' || spec === 'memory') return { description: 'memory (this process only)', close: async () => undefined };
  if (!/^(rediss?|redis-cluster):\/\//i.test(spec)) throw new InvalidStoreSpecError(spec);
  const { RedisStreamsQueueStore } = await import('../redis-store');
  const { RedisRegistryStore } = await import('../registry/redis-registry-store');
  const store = await RedisStreamsQueueStore.connect(spec, opts);
  const registry = new RedisRegistryStore(store.redis, store.prefix);
  return {
    store,
    registry,
    description: `redis streams at ${shownUrlWithoutPrefix(spec)} (key prefix "${store.prefix}", consumer ${store.consumer})`,
    close: async () => {
      await registry.close();
      await store.close();
    },
  };
}
