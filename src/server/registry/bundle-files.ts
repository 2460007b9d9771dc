// Uploaded bundles as files workers can import: one file per bundle content hash in this server's
// own folder (bundle-dir.ts), written on first use and removed with the last version using it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { processBundleDir } from '../bundle-dir';

/** The content hash bundles are stored and named by (sha256, hex). */
export function bundleHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class BundleFiles {
  /** This server's own subfolder of the bundle folder (created at the first write). */
  readonly dir: string;
  /** Users of each file: versions deployed from the same bundle share it. */
  private readonly users = new Map<string, number>();

  /**
   * `parent`: the shared bundle folder (default node_modules/.cache/embedbook/functions, else the
   * system temp folder); folders of processes that are gone are removed here.
   */
  constructor(parent?: string) {
    this.dir = processBundleDir(
      parent ?? (existsSync('node_modules') ? join(process.cwd(), 'node_modules', '.cache', 'embedbook', 'functions') : join(tmpdir(), 'embedbook-functions')),
    );
  }

  /** Writes the bundle (if not yet here) and returns its file URL; release() once per acquire(). */
  acquire(name: string, hash: string, text: string): string {
    const file = this.fileOf(name, hash);
    if (!this.users.has(file)) {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(file, text);
    }
    this.users.set(file, (this.users.get(file) ?? 0) + 1);
    return pathToFileURL(file).href;
  }

  /** The module stays cached in workers that loaded it; the file goes with its last user. */
  release(name: string, hash: string): void {
    const file = this.fileOf(name, hash);
    const n = (this.users.get(file) ?? 0) - 1;
    if (n > 0) this.users.set(file, n);
    else {
      this.users.delete(file);
      rmSync(file, { force: true });
    }
  }

  /** Uploaded bundles live as long as the server. */
  removeAll(): void {
    this.users.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private fileOf(name: string, hash: string): string {
    return join(this.dir, `${name}-${hash.slice(0, 16)}.mjs`);
  }
}
