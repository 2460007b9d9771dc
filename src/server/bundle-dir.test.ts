// Stale bundle folders: servers in their own processes share a bundle folder; one is killed with
// SIGKILL (its folder stays behind), one keeps running. A server starting later removes the dead
// one's folder and leaves the live one's alone; its own folder goes when it closes.
import { afterAll, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { FunctionQueue } from './function-queue';
import { LENGTH_BUNDLE } from './test-fixtures/handlers';

const dir = mkdtempSync(join(tmpdir(), 'embedbook-bundles-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a server process on the shared folder; resolves with it once it has deployed. */
async function serverProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./test-fixtures/bundle-server.ts', import.meta.url).pathname, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await Promise.race([
    new Promise<void>((resolve) => child.stdout!.on('data', () => out.includes('deployed') && resolve())),
    once(child, 'exit').then(([code]) => Promise.reject(new Error(`server process exited with ${code}`))),
  ]);
  return child;
}

const folderOf = (pid: number) => readdirSync(dir).find((f) => f.includes(`-${pid}-`));

test('a killed server\'s bundle folder is removed when the next server starts; a live server\'s stays', { timeout: 60_000 }, async () => {
  const [killed, live] = await Promise.all([serverProcess(), serverProcess()]);
  const killedFolder = folderOf(killed.pid!);
  const liveFolder = folderOf(live.pid!);
  expect(killedFolder).toBeDefined();
  expect(liveFolder).toBeDefined();
  expect(readdirSync(join(dir, liveFolder!))).toEqual([expect.stringMatching(/^len-[0-9a-f]{16}\.mjs$/)]);
  killed.kill('SIGKILL');
  await once(killed, 'exit');
  expect(existsSync(join(dir, killedFolder!))).toBe(true); // left behind, as after a crash

  const queue = new FunctionQueue({ workers: 1, threadsPerWorker: 1, bundleDir: dir });
  try {
    expect(existsSync(join(dir, killedFolder!))).toBe(false);
    expect(readdirSync(join(dir, liveFolder!))).toHaveLength(1);
    await queue.deploy({ name: 'mine', output: 'float64' }, LENGTH_BUNDLE);
    expect(folderOf(process.pid)).toBeDefined();
  } finally {
    await queue.close();
  }
  expect(folderOf(process.pid)).toBeUndefined(); // a server removes its own folder when it stops
  expect(readdirSync(join(dir, liveFolder!))).toHaveLength(1);
});
