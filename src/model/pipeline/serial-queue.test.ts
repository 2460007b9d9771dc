import { expect, test } from 'vitest';
import { SerialQueue } from './serial-queue';

test('runs one job at a time in arrival order, and a rejection does not stop the queue', async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  // Each job holds until the test lets it finish: no timing, the order is the test's.
  const finish = new Map<string, () => void>();
  const job = (name: string, fail = false) => async () => {
    log.push(`start ${name}`);
    await new Promise<void>((r) => finish.set(name, r));
    log.push(`end ${name}`);
    if (fail) throw new Error(`boom ${name}`);
    return name;
  };
  const a = q.run(job('a'));
  const b = q.run(job('b', true));
  const c = q.run(job('c'));
  expect(q.size).toBe(3);
  await expect.poll(() => log).toEqual(['start a']);
  finish.get('a')!();
  await expect(a).resolves.toBe('a');
  // b starts only now that a has finished, and c still waits behind it.
  await expect.poll(() => log).toEqual(['start a', 'end a', 'start b']);
  finish.get('b')!();
  await expect(b).rejects.toThrow('boom b');
  await expect.poll(() => log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c']);
  finish.get('c')!();
  await expect(c).resolves.toBe('c');
  expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  expect(q.size).toBe(0);
});

test('with two slots, runs two jobs at once and starts the next in line when either finishes', async () => {
  const q = new SerialQueue(2);
  const log: string[] = [];
  const finish = new Map<string, () => void>();
  const job = (name: string) => async () => {
    log.push(`start ${name}`);
    await new Promise<void>((r) => finish.set(name, r));
    log.push(`end ${name}`);
    return name;
  };
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => q.run(job(n)));
  await expect.poll(() => log).toEqual(['start a', 'start b']);
  expect(q.size).toBe(4);
  finish.get('b')!();
  await expect(b).resolves.toBe('b');
  await expect.poll(() => log).toEqual(['start a', 'start b', 'end b', 'start c']);
  finish.get('a')!();
  await expect(a).resolves.toBe('a');
  await expect.poll(() => log).toEqual(['start a', 'start b', 'end b', 'start c', 'end a', 'start d']);
  finish.get('c')!();
  finish.get('d')!();
  await expect(Promise.all([c, d])).resolves.toEqual(['c', 'd']);
  expect(q.size).toBe(0);
});
