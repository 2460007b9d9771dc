// The registry on Redis, shared by every node on the same Redis and key prefix. Keys (one hash tag,
// so a Redis Cluster keeps them in one slot and the scripts stay atomic):
//   P{reg}:ver          hash  name -> last version assigned (never reused, also not after a removal)
//   P{reg}:cur          hash  name -> the current version's record (JSON)
//   P{reg}:b:<sha256>   string  the bundle text, by content hash
//   P{reg}:events       pub/sub channel: the name of a function whose current version changed
// A version is assigned and made current in one script; a bundle must be stored before it.
import type { RedisClient } from '../redis/connection';
import { RedisSubscription } from '../redis/subscription';
import { DamagedRegistryError, MissingBundleError, VersionTakenError, type DeployRecord, type NewDeploy, type RegistryEvents, type RegistryStore } from './registry-store';

const PUBLISH = `
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then return redis.error_reply('MISSINGBUNDLE') end
local v = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') + 1
if ARGV[4] ~= '' and tonumber(ARGV[4]) ~= v then return redis.error_reply('VERSIONTAKEN') end
redis.call('HSET', KEYS[1], ARGV[1], v)
local record = '{"version":' .. v .. ',' .. string.sub(ARGV[2], 2)
redis.call('HSET', KEYS[2], ARGV[1], record)
redis.call('PUBLISH', KEYS[4], ARGV[1])
return record`;

const REMOVE = `
local record = redis.call('HGET', KEYS[1], ARGV[1])
if not record then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[2], ARGV[1])
return record`;

const RESTORE = `
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur then return cur end
if tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') >= tonumber(ARGV[2]) then return false end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('PUBLISH', KEYS[3], ARGV[1])
return ARGV[3]`;

type ScriptFn = (...args: Array<string | number>) => Promise<unknown>;

/** A record read from the store, checked before it is used (the store is shared: trust nothing). */
export function parseRecord(json: string, where: string): DeployRecord {
  let r: unknown;
  try {
    r = JSON.parse(json);
  } catch {
    throw new DamagedRegistryError(`registry record ${where} is not JSON: deploy the function again (or remove it)`);
  }
  const o = r as Partial<DeployRecord> | null;
  if (
    !o || typeof o !== 'object' || typeof o.name !== 'string' || !Number.isSafeInteger(o.version) || (o.version as number) < 1 ||
    typeof o.deployedAt !== 'number' || !o.spec || typeof o.spec !== 'object' || (o.bundleHash !== undefined && !/^[0-9a-f]{64}$/.test(String(o.bundleHash)))
  ) {
    throw new DamagedRegistryError(`registry record ${where} is malformed (${json.slice(0, 200)}): deploy the function again (or remove it)`);
  }
  return o as DeployRecord;
}

export class RedisRegistryStore implements RegistryStore {
  readonly shared = true;
  private readonly keys: { ver: string; cur: string; events: string; bundle: (hash: string) => string };
  private readonly events: RedisSubscription<RegistryEvents>;

  /** `redis`: a connected client (the queue store's); `prefix`: the key prefix of the deployment. */
  constructor(private readonly redis: RedisClient, prefix: string) {
    const base = `${prefix}{reg}:`;
    this.keys = { ver: `${base}ver`, cur: `${base}cur`, events: `${base}events`, bundle: (hash) => `${base}b:${hash}` };
    this.events = new RedisSubscription<RegistryEvents>(redis, this.keys.events, (w, name) => w.changed(name));
    if (!('ebRegPublish' in redis)) redis.defineCommand('ebRegPublish', { lua: PUBLISH });
    if (!('ebRegRestore' in redis)) redis.defineCommand('ebRegRestore', { lua: RESTORE });
    if (!('ebRegRemove' in redis)) redis.defineCommand('ebRegRemove', { lua: REMOVE });
  }

  async putBundle(hash: string, text: string): Promise<void> {
    await this.redis.set(this.keys.bundle(hash), text);
  }

  async getBundle(hash: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.bundle(hash))) ?? undefined;
  }

  async nextVersion(name: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.ver, name)) ?? 0) + 1;
  }

  async publish(deploy: NewDeploy, expected?: number): Promise<DeployRecord> {
    const { ver, cur, events, bundle } = this.keys;
    const hash = deploy.bundleHash;
    let json: unknown;
    try {
      // defineCommand without numberOfKeys takes (numKeys, ...keys, ...args).
      json = await (this.redis as unknown as Record<string, ScriptFn>).ebRegPublish(
        4, ver, cur, hash !== undefined ? bundle(hash) : ver, events, deploy.name, JSON.stringify(deploy), hash !== undefined ? '1' : '0', expected ?? '',
      );
    } catch (err) {
      if (hash !== undefined && err instanceof Error && err.message.includes('MISSINGBUNDLE')) throw new MissingBundleError(deploy.name, hash);
      if (expected !== undefined && err instanceof Error && err.message.includes('VERSIONTAKEN')) throw new VersionTakenError(deploy.name, expected);
      throw err;
    }
    return parseRecord(String(json), `${cur} ${deploy.name}`);
  }

  async restore(record: DeployRecord): Promise<DeployRecord | undefined> {
    const json = await (this.redis as unknown as Record<string, ScriptFn>).ebRegRestore(3, this.keys.ver, this.keys.cur, this.keys.events, record.name, record.version, JSON.stringify(record));
    return typeof json === 'string' ? parseRecord(json, `${this.keys.cur} ${record.name}`) : undefined;
  }

  async remove(name: string): Promise<DeployRecord | undefined> {
    const json = await (this.redis as unknown as Record<string, ScriptFn>).ebRegRemove(2, this.keys.cur, this.keys.events, name);
    return typeof json === 'string' ? parseRecord(json, `${this.keys.cur} ${name}`) : undefined;
  }

  async current(name: string): Promise<DeployRecord | undefined> {
    const json = await this.redis.hget(this.keys.cur, name);
    return json === null ? undefined : parseRecord(json, `${this.keys.cur} ${name}`);
  }

  async list(damaged?: (name: string, err: DamagedRegistryError) => void): Promise<DeployRecord[]> {
    const out: DeployRecord[] = [];
    for (const [name, json] of Object.entries(await this.redis.hgetall(this.keys.cur))) {
      try {
        out.push(parseRecord(json, `${this.keys.cur} ${name}`));
      } catch (err) {
        if (!(err instanceof DamagedRegistryError) || !damaged) throw err;
        damaged(name, err);
      }
    }
    return out;
  }

  /** Redis pub/sub on P{reg}:events. At-most-once: see Registry's re-sync. */
  watch(events: RegistryEvents): Promise<() => void> {
    return this.events.add(events);
  }

  /** Closes the subscription (the client itself belongs to the queue store). */
  async close(): Promise<void> {
    await this.events.close();
  }
}
