import { expect, test } from 'vitest';
import { SerialQueue } from './serial-queue';

test('runs one job at a time in arrival order, and a rejection does not stop the queue', async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  let active = 0;
  const job = (name: string, fail = false) => async () => {
    active++;
    expect(active).toBe(1);
    log.push(`start ${name}`);
    await new Promise((r) => setTimeout(r, 1));
    log.push(`end ${name}`);
    active--;
    if (fail) throw new Error(`boom ${name}`);
    return name;
  };
  const a = q.run(job('a'));
  const b = q.run(job('b', true));
  const c = q.run(job('c'));
  expect(q.size).toBe(3);
  await expect(a).resolves.toBe('a');
  await expect(b).rejects.toThrow('boom b');
  await expect(c).resolves.toBe('c');
  expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  expect(q.size).toBe(0);
});
