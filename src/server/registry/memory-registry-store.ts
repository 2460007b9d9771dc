// The one-process registry store (the default): maps in memory, gone with the process.
import { MissingBundleError, VersionTakenError, type DeployRecord, type NewDeploy, type RegistryEvents, type RegistryStore } from './registry-store';

export class MemoryRegistryStore implements RegistryStore {
  readonly shared = false;
  private readonly bundles = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  private readonly currentByName = new Map<string, DeployRecord>();
  private readonly watchers = new Set<RegistryEvents>();

  async putBundle(hash: string, text: string): Promise<void> {
    this.bundles.set(hash, text);
  }

  async getBundle(hash: string): Promise<string | undefined> {
    return this.bundles.get(hash);
  }

  async nextVersion(name: string): Promise<number> {
    return (this.counters.get(name) ?? 0) + 1;
  }

  async publish(deploy: NewDeploy, expected?: number): Promise<DeployRecord> {
    if (deploy.bundleHash !== undefined && !this.bundles.has(deploy.bundleHash)) throw new MissingBundleError(deploy.name, deploy.bundleHash);
    const version = (this.counters.get(deploy.name) ?? 0) + 1;
    if (expected !== undefined && expected !== version) throw new VersionTakenError(deploy.name, expected);
    this.counters.set(deploy.name, version);
    const record: DeployRecord = { ...deploy, version };
    this.currentByName.set(deploy.name, record);
    this.emit(deploy.name);
    return record;
  }

  async restore(record: DeployRecord): Promise<DeployRecord | undefined> {
    const cur = this.currentByName.get(record.name);
    if (cur || (this.counters.get(record.name) ?? 0) >= record.version) return cur;
    this.counters.set(record.name, record.version);
    this.currentByName.set(record.name, record);
    this.emit(record.name);
    return record;
  }

  async remove(name: string): Promise<DeployRecord | undefined> {
    const record = this.currentByName.get(name);
    if (!record) return undefined;
    this.currentByName.delete(name);
    this.emit(name);
    return record;
  }

  async current(name: string): Promise<DeployRecord | undefined> {
    return this.currentByName.get(name);
  }

  async list(): Promise<DeployRecord[]> {
    return [...this.currentByName.values()];
  }

  async watch(events: RegistryEvents): Promise<() => void> {
    this.watchers.add(events);
    return () => void this.watchers.delete(events);
  }

  /** Like Redis pub/sub: listeners hear of a change after the change is made, never inside it. */
  private emit(name: string): void {
    for (const w of this.watchers) queueMicrotask(() => w.changed(name));
  }
}
