// A real `embedbook serve` in its own process (bin/embedbook.mjs), for tests that kill a server
// with SIGKILL mid-run (no shutdown, no release, no last heartbeat: a machine that died). It binds
// 127.0.0.1 port 0; the URL comes from its stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { TEST_ADMIN_KEY } from './http';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Its stderr so far (banner, errors): for a failing test's message. */
  log(): string;
  /** kill -9; resolves once the process is gone. */
  kill(): Promise<void>;
}

const BIN = resolve(import.meta.dirname, '../../../bin/embedbook.mjs');

/** Starts `embedbook serve --port 0 --admin-key <test key> …extraArgs`; resolves with its URL. */
export function spawnServe(extraArgs: string[], startTimeoutMs = 60_000): Promise<ServeProcess> {
  return spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--admin-key', TEST_ADMIN_KEY, ...extraArgs], startTimeoutMs);
}

/** Starts a worker node, `embedbook worker --health-port 0 …extraArgs`; resolves with its health URL. */
export function spawnWorker(extraArgs: string[], startTimeoutMs = 60_000): Promise<ServeProcess> {
  return spawnCli(['worker', '--health-port', '0', ...extraArgs], startTimeoutMs);
}

async function spawnCli(args: string[], startTimeoutMs: number): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (t: string) => (err += t));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`embedbook ${args[0]} did not print its URL within ${startTimeoutMs} ms:\n${err}`)), startTimeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      const m = /^(http:\/\/127\.0\.0\.1:\d+)\s*$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`embedbook ${args[0]} exited (${code}) before listening:\n${err}`));
    });
  });
  return {
    url,
    child,
    log: () => err,
    kill: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGKILL');
      }),
  };
}
