// The registry on Redis, shared by every node on the same Redis and key prefix. Keys (one hash tag,
// so a Redis Cluster keeps them in one slot and the scripts stay atomic):
//   P{reg}:ver          hash  name -> last version assigned (never reused, also not after a removal)
//   P{reg}:cur          hash  name -> the current version's record (JSON)
//   P{reg}:b:<sha256>   string  the bundle text, by content hash
//   P{reg}:retired      zset  bundle hash -> when a version that used it stopped being current
//   P{reg}:events       pub/sub channel: the name of a function whose current version changed
// A version is assigned and made current in one script; a bundle must be stored before it. A bundle
// whose version is replaced or removed is "retired"; once no current version uses it and
// bundleGraceMs has passed (nodes draining the old version hold their own copy; a node starting
// now loads only current versions), it is deleted — at most GC_BATCH per deploy or removal, so the
// bundles kept are those of current versions plus what a few deploys retired recently.
import type { RedisClient } from '../redis/connection';
import { RedisSubscription } from '../redis/subscription';
import { DamagedRegistryError, MissingBundleError, VersionTakenError, type DeployRecord, type NewDeploy, type RegistryEvents, type RegistryStore } from './registry-store';

// The bundle hash of a stored record (JSON), or nil.
const BUNDLE_OF = `
local function bundleOf(json)
  local ok, r = pcall(cjson.decode, json)
  if ok and type(r) == 'table' and type(r.bundleHash) == 'string' then return r.bundleHash end
  return nil
end`;

/** KEYS: ver cur bundle-or-ver events retired. ARGV: name deployJSON hasBundle expected now. */
const PUBLISH = `${BUNDLE_OF}
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then return redis.error_reply('MISSINGBUNDLE') end
local v = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') + 1
if ARGV[4] ~= '' and tonumber(ARGV[4]) ~= v then return redis.error_reply('VERSIONTAKEN') end
redis.call('HSET', KEYS[1], ARGV[1], v)
local old = redis.call('HGET', KEYS[2], ARGV[1])
local oldHash = old and bundleOf(old)
if oldHash and oldHash ~= bundleOf(ARGV[2]) then redis.call('ZADD', KEYS[5], ARGV[5], oldHash) end
local record = '{"version":' .. v .. ',' .. string.sub(ARGV[2], 2)
redis.call('HSET', KEYS[2], ARGV[1], record)
redis.call('PUBLISH', KEYS[4], ARGV[1])
return record`;

/** KEYS: cur events retired. ARGV: name now. */
const REMOVE = `${BUNDLE_OF}
local record = redis.call('HGET', KEYS[1], ARGV[1])
if not record then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
local h = bundleOf(record)
if h then redis.call('ZADD', KEYS[3], ARGV[2], h) end
redis.call('PUBLISH', KEYS[2], ARGV[1])
return record`;

/**
 * KEYS: cur retired, then the bundle key of each hash. ARGV: the hashes. Deletes each bundle still
 * retired (a putBundle since rescued it) that no current version uses; drops them from retired.
 */
const COLLECT = `${BUNDLE_OF}
local used = {}
for _, json in ipairs(redis.call('HVALS', KEYS[1])) do
  local h = bundleOf(json)
  if h then used[h] = true end
end
local deleted = 0
for i, h in ipairs(ARGV) do
  if redis.call('ZSCORE', KEYS[2], h) then
    if not used[h] then deleted = deleted + redis.call('DEL', KEYS[2 + i]) end
    redis.call('ZREM', KEYS[2], h)
  end
end
return deleted`;

/** Retired bundles deleted per deploy or removal at most (the work per call stays bounded). */
const GC_BATCH = 16;
/** How long a retired bundle is kept (RedisRegistryOptions.bundleGraceMs). */
const DEFAULT_BUNDLE_GRACE_MS = 10 * 60_000;

export interface RedisRegistryOptions {
  /** A replaced or removed version's bundle is deleted this long after (default 10 min), if no current version uses it. */
  bundleGraceMs?: number;
  now?: () => number;
}

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
function parseRecord(json: string, where: string): DeployRecord {
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
  private readonly keys: { ver: string; cur: string; events: string; retired: string; bundle: (hash: string) => string };
  private readonly events: RedisSubscription<RegistryEvents>;
  private readonly graceMs: number;
  private readonly now: () => number;

  /** `redis`: a connected client (the queue store's); `prefix`: the key prefix of the deployment. */
  constructor(private readonly redis: RedisClient, prefix: string, opts: RedisRegistryOptions = {}) {
    const base = `${prefix}{reg}:`;
    this.keys = { ver: `${base}ver`, cur: `${base}cur`, events: `${base}events`, retired: `${base}retired`, bundle: (hash) => `${base}b:${hash}` };
    this.graceMs = opts.bundleGraceMs ?? DEFAULT_BUNDLE_GRACE_MS;
    this.now = opts.now ?? (() => Date.now());
    this.events = new RedisSubscription<RegistryEvents>(redis, this.keys.events, (w, name) => w.changed(name));
    if (!('ebRegPublish' in redis)) redis.defineCommand('ebRegPublish', { lua: PUBLISH });
    if (!('ebRegRestore' in redis)) redis.defineCommand('ebRegRestore', { lua: RESTORE });
    if (!('ebRegRemove' in redis)) redis.defineCommand('ebRegRemove', { lua: REMOVE });
    if (!('ebRegCollect' in redis)) redis.defineCommand('ebRegCollect', { lua: COLLECT });
  }

  /** Stores the bundle and takes it off the retired list (a redeploy of old code must keep it). */
  async putBundle(hash: string, text: string): Promise<void> {
    const res = await this.redis.multi().set(this.keys.bundle(hash), text).zrem(this.keys.retired, hash).exec();
    for (const [err] of res ?? []) if (err) throw err;
  }

  /**
   * Deletes up to GC_BATCH bundles retired over bundleGraceMs ago that no current version uses.
   * Run after each deploy and removal; returns how many were deleted.
   */
  async collectBundles(): Promise<number> {
    const due = await this.redis.zrangebyscore(this.keys.retired, '-inf', this.now() - this.graceMs, 'LIMIT', 0, GC_BATCH);
    if (!due.length) return 0;
    return Number(await (this.redis as unknown as Record<string, ScriptFn>).ebRegCollect(2 + due.length, this.keys.cur, this.keys.retired, ...due.map((h) => this.keys.bundle(h)), ...due));
  }

  async getBundle(hash: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.bundle(hash))) ?? undefined;
  }

  async nextVersion(name: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.ver, name)) ?? 0) + 1;
  }

  async publish(deploy: NewDeploy, expected?: number): Promise<DeployRecord> {
    const { ver, cur, events, retired, bundle } = this.keys;
    const hash = deploy.bundleHash;
    let json: unknown;
    try {
      // defineCommand without numberOfKeys takes (numKeys, ...keys, ...args).
      json = await (this.redis as unknown as Record<string, ScriptFn>).ebRegPublish(
        5, ver, cur, hash !== undefined ? bundle(hash) : ver, events, retired, deploy.name, JSON.stringify(deploy), hash !== undefined ? '1' : '0', expected ?? '', this.now(),
      );
    } catch (err) {
      if (hash !== undefined && err instanceof Error && err.message.includes('MISSINGBUNDLE')) throw new MissingBundleError(deploy.name, hash);
      if (expected !== undefined && err instanceof Error && err.message.includes('VERSIONTAKEN')) throw new VersionTakenError(deploy.name, expected);
      throw err;
    }
    const record = parseRecord(String(json), `${cur} ${deploy.name}`);
    await this.collectQuietly();
    return record;
  }

  async restore(record: DeployRecord): Promise<DeployRecord | undefined> {
    const json = await (this.redis as unknown as Record<string, ScriptFn>).ebRegRestore(3, this.keys.ver, this.keys.cur, this.keys.events, record.name, record.version, JSON.stringify(record));
    return typeof json === 'string' ? parseRecord(json, `${this.keys.cur} ${record.name}`) : undefined;
  }

  async remove(name: string): Promise<DeployRecord | undefined> {
    const json = await (this.redis as unknown as Record<string, ScriptFn>).ebRegRemove(3, this.keys.cur, this.keys.events, this.keys.retired, name, this.now());
    if (typeof json !== 'string') return undefined;
    await this.collectQuietly();
    return parseRecord(json, `${this.keys.cur} ${name}`);
  }

  /** Collection is housekeeping: its failure must not make a deploy that was recorded look failed. */
  private async collectQuietly(): Promise<void> {
    await this.collectBundles().catch(() => undefined);
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
