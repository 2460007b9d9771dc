// --reclaim-idle-ms (serve and worker): a whole number of ms from 100 to 1 h, else a usage error
// naming the flag; valid values reach the Redis store (recovery.test.ts runs serve with it).
import { describe, expect, test } from 'vitest';
import { parseReclaimIdleMs } from './serve-command';
import { main, type CliIO } from './main';

describe('--reclaim-idle-ms', () => {
  test('takes 100 … 3,600,000 ms; absent means the store default', () => {
    expect(parseReclaimIdleMs(undefined)).toBeUndefined();
    expect(parseReclaimIdleMs('100')).toBe(100);
    expect(parseReclaimIdleMs('30000')).toBe(30_000);
    for (const bad of ['99', '3600001', '1.5', '-5', 'soon', '']) expect(() => parseReclaimIdleMs(bad), bad).toThrow(/--reclaim-idle-ms must be a whole number of milliseconds from 100 to 3600000/);
  });

  test('a bad value is a usage error (exit 2) before anything starts', async () => {
    const io = { out: '', err: '', isTTY: false, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
    expect(await main(['serve', '--port', '0', '--no-default-function', '--reclaim-idle-ms', '10'], io satisfies CliIO)).toBe(2);
    expect(io.err).toMatch(/--reclaim-idle-ms .* got "10"/);
  });
});
