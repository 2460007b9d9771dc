// One cancel switch for many in-flight chunks. Each chunk gets its own child signal instead of all
// chunks listening on one shared signal: Node warns ("possible EventTarget memory leak") once more
// than 10 listeners sit on one AbortSignal, which concurrentChunks > 10 would otherwise trigger.

export class AbortGroup {
  private readonly root = new AbortController();
  private readonly children = new Set<AbortController>();

  /** Aborted when the group is; check it before starting new work. */
  get signal(): AbortSignal {
    return this.root.signal;
  }

  abort(reason: Error): void {
    if (this.root.signal.aborted) return;
    this.root.abort(reason);
    for (const c of this.children) c.abort(reason);
  }

  /** A signal aborted with the group; call release() when the work using it has settled. */
  child(): { signal: AbortSignal; release: () => void } {
    const c = new AbortController();
    if (this.root.signal.aborted) c.abort(this.root.signal.reason);
    else this.children.add(c);
    return { signal: c.signal, release: () => this.children.delete(c) };
  }
}
