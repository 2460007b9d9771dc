// Vitest global setup: the Redis queue-store tests need a real redis-server. CI starts one and
// exports REDIS_URL; on a developer's machine `npm test` starts a private, non-persistent one on a
// free loopback port (Debian: `apt-get install -y redis-server`) and stops it afterwards, so the
// README's single test command needs no extra set-up.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

let redis: ChildProcess | undefined;

export async function setup(): Promise<void> {
  if (process.env.REDIS_URL || process.env.EMBEDBOOK_SKIP_REDIS === '1') return;
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once('error', (err) =>
      reject(new Error(`the Redis queue-store tests need redis-server on PATH (${err.message}): apt-get install -y redis-server, or set REDIS_URL, or EMBEDBOOK_SKIP_REDIS=1 to skip them`)),
    ),
  );
  await Promise.race([waitForPort(port), spawnFailed]);
  redis = child;
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
}

export async function teardown(): Promise<void> {
  redis?.kill('SIGTERM');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    // eslint-disable-next-line no-restricted-syntax -- not a wait: the interval of a bounded poll (redis-server starting)
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server did not accept connections on 127.0.0.1:${port} within 10 s`);
}
