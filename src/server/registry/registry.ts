// This node's view of the deployed functions, kept in step with the RegistryStore: a deploy is
// checked here (definition, model, bundle import in a worker), then published to the store, which
// assigns the version; every node applies the store's current versions — at start, on its watch
// events, and on a slow re-sync that covers a missed event. Applying a version makes its entry
// (FnRef, bundle file, a Batcher when this node runs batches for it) and retires the one it
// replaces: a retired version keeps its batcher until its stream has no waiting row (the drain
// runs on every node, so a redeploy or removal drains cluster-wide).
import type { TimerApi } from '../../core/types';
import type { Batcher } from '../batcher';
import { memoryMb, validateSpec, type FunctionSpec } from '../../protocol/define-function';
import { InvalidBundleError, InvalidDefinitionError, ServerShuttingDownError, UnknownFunctionError, UnsatisfiableResourcesError } from '../errors';
import { streamKey, type QueueStore } from '../store';
import type { FnRef, ModelSource } from '../worker/protocol';
import { bundleHash, type BundleFiles } from './bundle-files';
import { DamagedRegistryError, VersionTakenError, type DeployRecord, type RegistryStore } from './registry-store';
import { parseHubId } from '../../model/sources/hub';

/** The module that serves built-in models from model files (worker/default-model.ts). */
export const MODEL_MODULE_URL = new URL('../worker/default-model.ts', import.meta.url).href;

/**
 * A built-in model: its files ('default' = public/models/default, or a Hugging Face-layout
 * folder), or the URL of a module exporting `createModelHandler` (see worker/protocol.ts).
 */
export type ModelEntry = ModelSource | { module: string };

export const BUILTIN_MODELS: Record<string, ModelEntry> = { default: 'default' };

/** Whether two definitions differ at most in their batching (maxBatchingSize, maxBufferDuration). */
function sameBesidesBatching(a: FunctionSpec, b: FunctionSpec): boolean {
  const rest = (s: FunctionSpec) => JSON.stringify({ ...s, maxBatchingSize: 0, maxBufferDuration: 0 });
  return rest(a) === rest(b);
}

/** Deploys racing on several nodes for one name: each loser checks again for the next version. */
const MAX_DEPLOY_ATTEMPTS = 5;

const POLL_MS = {
  /** How often the whole registry is re-read, in case a watch event was missed (pub/sub is at-most-once). */
  resync: 5_000,
  /** How often a retired version that drained here looks whether rows of it are still in flight elsewhere. */
  drain: 100,
} as const;

export interface Entry {
  spec: FunctionSpec;
  version: number;
  stream: string;
  ref: FnRef;
  /** The stored record it was made from (put back if the store loses it). */
  record: DeployRecord;
  /** The bundle's text (user handlers), kept to put it back into a store restarted empty. */
  bundleText?: string;
  /** Whether this node wrote a bundle file for it (only a node that runs it does). */
  holdsFile: boolean;
  /** Absent on a node that runs no batches for it (API node, or resources it lacks). */
  batcher?: Batcher;
  deployedAt: number;
}

export interface RegistryOptions {
  store: RegistryStore;
  queueStore: QueueStore;
  timers: TimerApi;
  models: Record<string, ModelEntry>;
  bundles: BundleFiles;
  /** GPU kinds of this node's workers; [] with CPU workers. */
  gpuKinds: () => string[];
  /** Whether this node runs batches at all (false: an API node, --workers 0). */
  runsBatches: boolean;
  allowCpuFallback?: boolean;
  /** Imports the function in a worker (its arity and handler are checked); throws if it cannot. */
  inspect(ref: FnRef, memoryMb: number): Promise<void>;
  makeBatcher(spec: FunctionSpec, stream: string, ref: FnRef): Batcher;
  /** A retired version is done here: its workers may drop it. */
  unload(key: string): void;
  /** How many functions (draining ones too) this node runs: the pool's per-function cap. */
  functionCount(n: number): void;
  /** A store failure outside a request (watch, re-sync). */
  failed(err: unknown, where: string): void;
  /** A damaged record or bundle in the store (logged once each; the function is not run here). */
  log(line: string): void;
  isClosing: () => boolean;
}

export class Registry {
  private readonly active = new Map<string, Entry>();
  private readonly draining = new Set<Entry>();
  /** Per name: the apply in progress, so changes to one function apply in order. */
  private readonly applying = new Map<string, Promise<void>>();
  private unwatch: (() => void) | undefined;
  private resyncTimer: unknown;
  private started: Promise<void> | undefined;
  /** Damaged-record messages already logged (the re-sync meets them again every few seconds). */
  private readonly logged = new Set<string>();

  constructor(private readonly opts: RegistryOptions) {}

  /** Subscribes to the store's changes and applies what it holds now. Never rejects. */
  start(): Promise<void> {
    this.started ??= (async () => {
      await this.subscribe();
      await this.syncAll();
    })();
    return this.started;
  }

  /** Subscribes to the store's changes (again at each re-sync while it could not). */
  private async subscribe(): Promise<void> {
    try {
      const stop = await this.opts.store.watch({ changed: (name) => void this.sync(name) });
      if (this.opts.isClosing()) stop();
      else this.unwatch = stop;
    } catch (err) {
      this.opts.failed(err, 'registry watch');
    }
  }

  private syncFailed(err: unknown): void {
    if (!(err instanceof DamagedRegistryError)) return this.opts.failed(err, 'registry sync');
    if (this.logged.has(err.message)) return;
    this.logged.add(err.message);
    this.opts.log(`${err.name}: ${err.message}`);
  }

  /** Whether other nodes deploy to the same store. */
  get shared(): boolean {
    return this.opts.store.shared;
  }

  names(): string[] {
    return [...this.active.keys()].sort();
  }

  get(name: string): Entry | undefined {
    return this.active.get(name);
  }

  /** Active entries by name, then draining ones. */
  entries(): Entry[] {
    return [...[...this.active.values()].sort((a, b) => a.spec.name.localeCompare(b.spec.name)), ...this.draining];
  }

  activeEntries(): Entry[] {
    return [...this.active.values()].sort((a, b) => a.spec.name.localeCompare(b.spec.name));
  }

  byStream(stream: string): Entry | undefined {
    for (const e of this.active.values()) if (e.stream === stream) return e;
    for (const e of this.draining) if (e.stream === stream) return e;
    return undefined;
  }

  /** The entry of a function version, active or draining. */
  version(name: string, version: number): Entry | undefined {
    const entry = this.active.get(name);
    if (entry?.version === version) return entry;
    for (const e of this.draining) if (e.spec.name === name && e.version === version) return e;
    return undefined;
  }

  /**
   * Deploys (or redeploys) a function: every check first, then the store assigns the version, so
   * a refused deploy consumes none. `keepIfSame`: when the current version has the same definition
   * and bundle, keep it instead of making a new version (servers deploying their start-up functions).
   */
  async deploy(definition: unknown, bundle: string | undefined, keepIfSame = false): Promise<{ name: string; version: number }> {
    if (this.opts.isClosing()) throw new ServerShuttingDownError();
    const hasHandler = typeof bundle === 'string' && bundle.length > 0;
    const spec = validateSpec(definition, { hasHandler });
    const { models, store } = this.opts;
    if (spec.model !== undefined && !models[spec.model] && !parseHubId(spec.model)) {
      throw new InvalidDefinitionError('model', `"${spec.model}" is not a built-in model; available: ${Object.keys(models).map((m) => `"${m}"`).join(', ')}, or a hub id 'org/name[@revision]'.`);
    }
    // One process decides for itself; in a cluster some worker node may have the GPU.
    const gpu = spec.resources.gpu;
    if (gpu && !store.shared && this.opts.runsBatches && !this.opts.allowCpuFallback && !this.opts.gpuKinds().some((k) => gpu === 'any' || k === gpu)) {
      throw new UnsatisfiableResourcesError(spec.name, gpu, this.opts.gpuKinds());
    }
    const hash = hasHandler ? bundleHash(bundle as string) : undefined;
    if (keepIfSame) {
      const cur = await store.current(spec.name);
      if (cur && cur.bundleHash === hash && sameBesidesBatching(cur.spec, spec)) {
        // Batch size and buffer time are a node's tuning (`serve --gpus` starts "embed" with larger
        // batches than a CPU node): a start-up deploy that differs only there keeps the stored
        // version, or nodes of both kinds starting on one store would redeploy it in turn.
        if (JSON.stringify(cur.spec) !== JSON.stringify(spec)) {
          this.opts.log(`kept "${spec.name}" v${cur.version} as deployed (maxBatchingSize ${cur.spec.maxBatchingSize}, maxBufferDuration ${cur.spec.maxBufferDuration}); this node starts it with ${spec.maxBatchingSize}/${spec.maxBufferDuration}: \`embedbook deploy\` changes it for every node`);
        }
        await this.apply(spec.name, cur);
        return { name: spec.name, version: cur.version };
      }
    }
    // The check imports the function under the key of the version it is about to get, so the
    // worker that checked it runs it without loading it twice (a model, above all). If another node
    // takes that version first, the check is repeated for the next one.
    for (let attempt = 1; ; attempt++) {
      const version = await store.nextVersion(spec.name);
      const key = streamKey(spec.name, version);
      const bundleUrl = hash !== undefined ? this.opts.bundles.acquire(spec.name, hash, bundle as string) : undefined;
      let published = false;
      try {
        await this.check(this.refOf(spec, version, key, bundleUrl), spec);
        if (hash !== undefined) await store.putBundle(hash, bundle as string);
        const record = await store.publish({ name: spec.name, spec, ...(hash !== undefined ? { bundleHash: hash } : {}), deployedAt: this.opts.timers.now() }, version);
        published = true;
        await this.apply(spec.name, record);
        return { name: spec.name, version: record.version };
      } catch (err) {
        if (!(err instanceof VersionTakenError) || attempt >= MAX_DEPLOY_ATTEMPTS) throw err;
      } finally {
        if (hash !== undefined) this.opts.bundles.release(spec.name, hash);
        // Not published: this node's workers must not keep a handler under a key a later deploy
        // (with other code) will get.
        if (!published) this.opts.unload(key);
      }
    }
  }

  /** Imports the function once in a worker; a failure is the deploy's 400. */
  private async check(ref: FnRef, spec: FunctionSpec): Promise<void> {
    try {
      await this.opts.inspect(ref, memoryMb(spec.resources.memory));
    } catch (err) {
      const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (spec.model !== undefined) throw new InvalidDefinitionError('model', `"${spec.model}" could not be loaded in a worker: ${why}`);
      throw new InvalidBundleError(spec.name, why);
    }
  }

  private refOf(spec: FunctionSpec, version: number, key: string, bundleUrl: string | undefined): FnRef {
    const ref: FnRef = { key, name: spec.name, version, input: spec.input, args: spec.args, ...(spec.output !== undefined ? { output: spec.output } : {}) };
    if (spec.model !== undefined) {
      // A name that is no built-in model is a hub id (checked at deploy), fetched on HF_ENDPOINT by each worker.
      const m = this.opts.models[spec.model] ?? { id: spec.model };
      ref.model = spec.model;
      if (typeof m === 'object' && 'module' in m) ref.modelModuleUrl = m.module;
      else {
        ref.modelModuleUrl = MODEL_MODULE_URL;
        ref.modelSource = m;
      }
    } else ref.bundleUrl = bundleUrl;
    return ref;
  }

  /**
   * Removes a function: the store first (every node retires it), then waits until its stream has
   * no row left anywhere in the cluster (waiting rows are cut at once, running ones finish).
   */
  async remove(name: string): Promise<void> {
    const record = await this.opts.store.remove(name);
    if (!record) throw new UnknownFunctionError(name, this.names());
    await this.apply(name, undefined);
    const stream = streamKey(name, record.version);
    while (!this.opts.isClosing() && (await this.opts.queueStore.depth(stream)) > 0) {
      await new Promise<void>((resolve) => this.opts.timers.setTimeout(resolve, 50));
    }
  }

  /** Applies the store's current version of `name`. */
  async sync(name: string): Promise<void> {
    try {
      await this.apply(name, await this.opts.store.current(name));
    } catch (err) {
      this.syncFailed(err);
    }
  }

  /** Applies every current version (start, re-sync); functions gone from the store are retired. */
  async syncAll(): Promise<void> {
    if (!this.unwatch && this.started) await this.subscribe();
    try {
      const seen = new Set<string>();
      const records = await this.opts.store.list((name, err) => {
        seen.add(name); // damaged, not removed: whatever runs here goes on
        this.syncFailed(err);
      });
      for (const r of records) seen.add(r.name);
      const applied = await Promise.allSettled([...records.map((r) => this.apply(r.name, r)), ...[...this.active.keys()].filter((n) => !seen.has(n)).map((n) => this.apply(n, undefined))]);
      for (const a of applied) if (a.status === 'rejected') this.syncFailed(a.reason);
    } catch (err) {
      this.syncFailed(err);
    }
    if (this.opts.store.shared && !this.opts.isClosing() && this.resyncTimer === undefined) {
      this.resyncTimer = this.opts.timers.setTimeout(() => {
        this.resyncTimer = undefined;
        void this.syncAll();
      }, POLL_MS.resync);
      (this.resyncTimer as { unref?: () => void } | undefined)?.unref?.();
    }
  }

  /** Makes `record` (undefined: none) the active version of `name`, one change per name at a time. */
  private apply(name: string, record: DeployRecord | undefined): Promise<void> {
    const prev = this.applying.get(name) ?? Promise.resolve();
    const next = prev.then(() => this.applyNow(name, record));
    const tail = next.catch(() => undefined);
    this.applying.set(name, tail);
    void tail.then(() => {
      if (this.applying.get(name) === tail) this.applying.delete(name);
    });
    return next;
  }

  private async applyNow(name: string, record: DeployRecord | undefined): Promise<void> {
    if (this.opts.isClosing()) return;
    const old = this.active.get(name);
    if (old?.version === (record?.version ?? -1)) return;
    // An event may arrive after a newer version was applied from another path: never go back.
    if (old && record && record.version < old.version) return;
    if (!record) {
      if (!old) return;
      // Gone from the store and its version counter with it: the store restarted empty (a removal
      // keeps the counter). Put the version back instead of retiring it, so calls re-submitted
      // after the restart find the function where it was.
      if (this.opts.store.shared && (await this.opts.store.nextVersion(name)) <= old.version) {
        if (old.bundleText !== undefined && old.record.bundleHash !== undefined) await this.opts.store.putBundle(old.record.bundleHash, old.bundleText);
        await this.opts.store.restore(old.record);
        return;
      }
      this.active.delete(name);
      this.countFunctions();
      void this.retire(old, true);
      return;
    }
    const entry = await this.materialize(record);
    if (this.opts.isClosing()) {
      this.release(entry);
      return;
    }
    this.active.set(name, entry);
    this.countFunctions();
    if (old) void this.retire(old, false);
    // On a shared store rows may already wait in this stream (submitted through another node, or
    // left by one that shut down): look at once instead of at the next event.
    if (this.opts.queueStore.shared) entry.batcher?.notify();
  }

  /** Builds this node's entry for a stored version (bundle file, FnRef, batcher if it runs it here). */
  private async materialize(record: DeployRecord): Promise<Entry> {
    // The stored definition is checked again: the store is shared, and nothing from it is trusted.
    let spec: FunctionSpec;
    try {
      spec = validateSpec(record.spec, { hasHandler: record.bundleHash !== undefined });
    } catch (err) {
      throw new DamagedRegistryError(`the stored definition of "${record.name}" v${record.version} is invalid (${err instanceof Error ? err.message : String(err)}): deploy the function again`);
    }
    const stream = streamKey(spec.name, record.version);
    const runs = this.runsHere(spec);
    let bundleUrl: string | undefined;
    let text: string | undefined;
    if (record.bundleHash !== undefined) {
      text = await this.opts.store.getBundle(record.bundleHash);
      if (text === undefined || bundleHash(text) !== record.bundleHash) {
        throw new DamagedRegistryError(`the bundle ${record.bundleHash.slice(0, 16)}… of "${spec.name}" v${record.version} is missing from the registry store or does not match its hash: deploy the function again`);
      }
      // Only a node that runs the function needs a file of its code (an API node writes none).
      if (runs) bundleUrl = this.opts.bundles.acquire(spec.name, record.bundleHash, text);
    }
    const ref = this.refOf(spec, record.version, stream, bundleUrl);
    const entry: Entry = { spec, version: record.version, stream, ref, record, deployedAt: record.deployedAt, holdsFile: bundleUrl !== undefined, ...(text !== undefined ? { bundleText: text } : {}) };
    if (runs) entry.batcher = this.opts.makeBatcher(spec, stream, ref);
    return entry;
  }

  /** Whether this node's workers fit the function (a GPU it has, or CPU fallback allowed). */
  private runsHere(spec: FunctionSpec): boolean {
    if (!this.opts.runsBatches) return false;
    if (spec.model !== undefined && !this.opts.models[spec.model] && !parseHubId(spec.model)) return false;
    const gpu = spec.resources.gpu;
    return !gpu || !!this.opts.allowCpuFallback || this.opts.gpuKinds().some((k) => gpu === 'any' || k === gpu);
  }

  /**
   * Lets a replaced or removed version finish its rows here, then drops it from the workers. Its
   * stream is closed to new rows first (a node still on the old version gets StreamRetiredError and
   * re-routes), and deleted by the store once drained, so streams do not pile up per version.
   */
  private async retire(entry: Entry, flush: boolean): Promise<void> {
    this.draining.add(entry);
    await this.retireStream(entry.stream);
    if (entry.batcher) {
      await entry.batcher.drain({ flush });
      // Rows of this version may still run on other nodes: they finish there, or — a node killed
      // with them in flight — the recovery timer reclaims them (it serves draining versions' streams
      // too) and this batcher runs them. Dropped at once, no node would ever run those rows.
      while (await this.stillInFlight(entry.stream)) {
        await new Promise<void>((resolve) => this.opts.timers.setTimeout(resolve, POLL_MS.drain));
        await entry.batcher.drain({ flush });
      }
      entry.batcher.dispose();
      this.opts.unload(entry.ref.key);
      // Drained here: the stream goes now if no other node still runs rows of it (else the store
      // finishes it later, from any node's recovery timer).
      await this.retireStream(entry.stream);
    }
    this.draining.delete(entry);
    this.countFunctions();
    this.release(entry);
  }

  /** Shared store: rows of `stream` still waiting or running anywhere (a store failure counts as yes). */
  private async stillInFlight(stream: string): Promise<boolean> {
    if (!this.opts.queueStore.shared || this.opts.isClosing()) return false;
    return (await this.opts.queueStore.depth(stream).catch(() => 1)) > 0;
  }

  private async retireStream(stream: string): Promise<void> {
    try {
      await this.opts.queueStore.retireStream?.(stream);
    } catch (err) {
      this.opts.failed(err, 'retire stream');
    }
  }

  private release(entry: Entry): void {
    if (entry.holdsFile && entry.record.bundleHash !== undefined) this.opts.bundles.release(entry.spec.name, entry.record.bundleHash);
  }

  /** The per-function worker cap applies while two or more functions (draining ones too) run here. */
  private countFunctions(): void {
    this.opts.functionCount(new Set([...this.active.keys(), ...[...this.draining].map((e) => e.spec.name)]).size);
  }

  /** Stops watching; returns every entry (active and draining) for the queue's shutdown. */
  close(): Entry[] {
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.resyncTimer !== undefined) this.opts.timers.clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    return this.entries();
  }
}
