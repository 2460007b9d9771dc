// Where a server process keeps its uploaded bundles: its own subfolder `<host>-<pid>-<random>` of
// the bundle folder, which several servers may share. The folder is removed when the server stops;
// a server killed before it could do that leaves it behind, so every server removes, at start, the
// folders of this host whose process no longer exists. Another live server's folder is left alone.
// (A reused pid only keeps a dead server's folder until that pid is gone too.)
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const FOLDER_RE = /^(.+)-(\d+)-([0-9a-f]{8})$/;

function hostTag(): string {
  return hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the bundle folders of this host's server processes that are gone; returns their names. */
function removeStaleBundleDirs(parent: string): string[] {
  let entries;
  try {
    entries = readdirSync(parent, { withFileTypes: true });
  } catch {
    return []; // no folder yet
  }
  const host = hostTag();
  const removed: string[] = [];
  for (const entry of entries) {
    const m = entry.isDirectory() ? FOLDER_RE.exec(entry.name) : null;
    if (!m || m[1] !== host || processAlive(Number(m[2]))) continue;
    rmSync(join(parent, entry.name), { recursive: true, force: true });
    removed.push(entry.name);
  }
  return removed;
}

/** This process's own bundle folder under `parent` (not created yet), after removing stale ones. */
export function processBundleDir(parent: string): string {
  removeStaleBundleDirs(parent);
  return join(parent, `${hostTag()}-${process.pid}-${randomBytes(4).toString('hex')}`);
}
