// Where deployed functions live: definitions, versions and bundles (by content hash). The
// in-memory store is the one-process default; the Redis one (redis-registry-store.ts) is shared by
// every node — API or worker — on the same Redis and key prefix, so a deploy to any API node is seen
// by all of them (through watch, and by list() at start). Separate from QueueStore on purpose: the
// queue holds rows and calls, this holds what runs them.
import type { FunctionSpec } from '../../protocol/define-function';
import { EmbedbookError } from '../../core/errors';
import { ServerError } from '../errors';

/** One deployed version of a function. */
export interface DeployRecord {
  name: string;
  /** Assigned by the store, atomically: 1, 2, … per name, never reused (also not after a removal). */
  version: number;
  /** The validated definition (defaults filled in). */
  spec: FunctionSpec;
  /** sha256 (hex) of the bundle a user handler is in; absent for built-in models. */
  bundleHash?: string;
  /** ms since the epoch. */
  deployedAt: number;
}

/** What a new deploy records: everything but the version, which the store assigns. */
export type NewDeploy = Omit<DeployRecord, 'version'>;

export interface RegistryEvents {
  /** The current version of `name` changed (deployed, redeployed or removed) on some node. */
  changed(name: string): void;
}

export interface RegistryStore {
  /** True when other processes share it (Redis): their deploys show up here. */
  readonly shared: boolean;
  /** Stores a bundle under its content hash (idempotent). */
  putBundle(hash: string, text: string): Promise<void>;
  getBundle(hash: string): Promise<string | undefined>;
  /** The version the next publish of `name` would get (reads only; consumes nothing). */
  nextVersion(name: string): Promise<number>;
  /**
   * Records a deploy as the current version of its name, with the next version number — one
   * atomic step, so concurrent deploys on different nodes never get the same number. Only called
   * once a deploy has passed every check: a refused deploy consumes no version. A bundleHash whose
   * bundle was not stored is refused (MissingBundleError). `expected`: the version the caller
   * checked the function under; if another deploy took it meanwhile, VersionTakenError and nothing
   * is recorded.
   */
  publish(deploy: NewDeploy, expected?: number): Promise<DeployRecord>;
  /**
   * Puts back a record a store restarted empty lost: when `record.name` has no current version and
   * its counter is below `record.version`, the record becomes current and the counter moves up to
   * it. Idempotent (every node that ran the version may call it); returns the current record after
   * (none when the name was removed meanwhile).
   */
  restore(record: DeployRecord): Promise<DeployRecord | undefined>;
  /** Makes `name` undeployed; returns the version that was current, if any. */
  remove(name: string): Promise<DeployRecord | undefined>;
  current(name: string): Promise<DeployRecord | undefined>;
  /**
   * Every current function. A damaged record (shared store) is left out and passed to `damaged`
   * with its name, so one bad entry does not hide the others.
   */
  list(damaged?: (name: string, err: DamagedRegistryError) => void): Promise<DeployRecord[]>;
  /** Subscribes to changes by every node sharing the store (this one included). */
  watch(events: RegistryEvents): Promise<() => void>;
  close?(): Promise<void>;
}

/** A deploy named a bundle the store does not hold (a store restarted empty in between). */
export class MissingBundleError extends ServerError {
  override readonly name = 'MissingBundleError';
  readonly statusCode = 409;
  constructor(readonly fn: string, readonly hash: string) {
    super(`The bundle ${hash.slice(0, 16)}… of function "${fn}" is not in the registry store (was it restarted empty?): deploy the function again.`);
  }
}

/** Another node's deploy took the version this one was checked under (the deploy checks again). */
export class VersionTakenError extends EmbedbookError {
  override readonly name = 'VersionTakenError';
  constructor(readonly fn: string, readonly expected: number) {
    super(`Version ${expected} of "${fn}" was taken by a concurrent deploy.`);
  }
}

/** A record or bundle read from the shared store is malformed or does not match its hash. */
export class DamagedRegistryError extends EmbedbookError {
  override readonly name = 'DamagedRegistryError';
}
