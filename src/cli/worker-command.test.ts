// `embedbook worker` flag checks (the worker node itself runs in src/server/cluster*.test.ts, as a
// real process on a real redis-server).
import { expect, test } from 'vitest';
import { main, type CliIO } from './main';

function capture(): CliIO & { err: string; out: string } {
  const io = { err: '', out: '', isTTY: false, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

test('a worker node needs a shared store and at least one worker', async () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /A worker node takes its work from a shared store: give --store redis:\/\/host:port/],
    [['--store', 'memory'], /A worker node takes its work from a shared store/],
    [['--store', 'redis://127.0.0.1:1', '--workers', '0'], /--workers must be a whole number from 1 to 256 \(worker threads\), got "0"/],
    [['--store', 'redis://127.0.0.1:1', '--health-port', 'x'], /--health-port must be a port number/],
    [['--store', 'ftp://x'], /--store must be "memory" or a Redis URL/],
  ];
  const saved = process.env.EMBEDBOOK_STORE;
  delete process.env.EMBEDBOOK_STORE;
  try {
    for (const [flags, message] of cases) {
      const io = capture();
      expect(await main(['worker', ...flags], io), flags.join(' ')).toBe(2);
      expect(io.err).toMatch(message);
    }
  } finally {
    if (saved !== undefined) process.env.EMBEDBOOK_STORE = saved;
  }
});
