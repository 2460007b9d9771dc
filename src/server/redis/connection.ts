// Opens the ioredis client a Redis queue store runs on, from a `--store` URL:
//   redis://[user:pass@]host:port[/db][?prefix=name:]     one Redis (rediss:// for TLS)
//   redis-cluster://[user:pass@]host:port[,host:port…][?prefix=name:]
//                                                         a Redis Cluster: any reachable nodes seed
//                                                         it; ioredis finds the rest and follows slots
// Checks the Redis is new enough (7.0+: XAUTOCLAIM's deleted-entry handling, LPOS); fails with
// RedisUnavailableError naming the URL (without a password) and the real cause.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { EmbedbookError } from '../../core/errors';
import { shownUrl } from './shown-url';

/** Redis could not be reached or refused us: names the URL (without a password) and how to fix it. */
export class RedisUnavailableError extends EmbedbookError {
  override readonly name = 'RedisUnavailableError';
  constructor(url: string, cause: string) {
    super(
      `Cannot use the Redis queue store at ${url}: ${cause}. Start Redis (e.g. \`redis-server --port 6379\`) or fix the URL ` +
        '(redis://host:port[/db][?prefix=name:], or redis-cluster://host:port[,host:port…][?prefix=name:] for a Redis Cluster).',
    );
  }
}

/** A connected client: one Redis or a Redis Cluster (the store and the registry take either). */
export type RedisClient = Redis | Cluster;

interface ParsedUrl {
  prefix: string | undefined;
  open(clientOptions: RedisOptions): RedisClient;
}

const CLUSTER_URL = /^redis-cluster:\/\/(?:([^@/?#]*)@)?([^/?#]+)\/?(?:\?([^#]*))?$/i;

function parse(url: string): ParsedUrl {
  const cluster = CLUSTER_URL.exec(url);
  if (cluster) {
    const [, auth, hosts, query] = cluster;
    const nodes = hosts.split(',').map((hp) => {
      const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(hp);
      if (!m || Number(m[2]) > 65535) throw new Error(`"${hp}" is not host:port`);
      return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
    });
    const [user, ...pass] = auth === undefined ? [] : auth.split(':');
    const redisOptions: RedisOptions = {
      ...(user ? { username: decodeURIComponent(user) } : {}),
      ...(pass.length ? { password: decodeURIComponent(pass.join(':')) } : {}),
    };
    return {
      prefix: new URLSearchParams(query ?? '').get('prefix') ?? undefined,
      open: (clientOptions) => new Cluster(nodes, { lazyConnect: true, redisOptions: { maxRetriesPerRequest: 2, connectTimeout: 5000, ...redisOptions, ...clientOptions } }),
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('not a URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`the scheme must be redis://, rediss:// or redis-cluster://, got ${parsed.protocol}//`);
  const prefix = parsed.searchParams.get('prefix') ?? undefined;
  parsed.searchParams.delete('prefix');
  return { prefix, open: (clientOptions) => new Redis(parsed.toString(), { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000, ...clientOptions }) };
}

/** Connects to `url`; answers the client and the `?prefix=` it named (undefined: none). */
export async function openRedisClient(url: string, clientOptions: RedisOptions = {}): Promise<{ client: RedisClient; prefix: string | undefined }> {
  let parsed: ParsedUrl;
  try {
    parsed = parse(url);
  } catch (err) {
    throw new RedisUnavailableError(shownUrl(url), (err as Error).message);
  }
  const client = parsed.open(clientOptions);
  // Reconnects are ioredis's job and failed commands reject on their own; the last socket error
  // is kept only to name the real cause (ECONNREFUSED…) if the first connect fails.
  let lastError: Error | undefined;
  client.on('error', (err: Error) => (lastError = err));
  try {
    await client.connect();
    const info = await client.info('server');
    const major = Number(/redis_version:(\d+)/.exec(info)?.[1] ?? 0);
    if (major < 7) throw new Error(`Redis ${/redis_version:([\d.]+)/.exec(info)?.[1] ?? '?'} is too old: the queue needs 7.0 or newer`);
  } catch (err) {
    client.disconnect();
    const why = lastError?.message ?? (err instanceof Error ? err.message : String(err));
    throw new RedisUnavailableError(shownUrl(url), why.replace(/\.+$/, ''));
  }
  return { client, prefix: parsed.prefix };
}
