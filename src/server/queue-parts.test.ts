// The small parts FunctionQueue is wired from, on fake timers: long-poll waiters and the store guard.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { defaultTimers } from '../core/timers';
import { CallWaiters } from './call-waiters';
import { StoreUnavailableError } from './errors';
import { MemoryQueueStore } from './memory-store';
import { StoreGuard } from './store-guard';
import { StoreHealth } from './store-health';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test('a waiter is woken by its call, or resolves at its own timeout; wakeAll frees everyone', async () => {
  const waiters = new CallWaiters(defaultTimers);
  const settled: string[] = [];
  void waiters.wait('a', 10_000).then(() => settled.push('a'));
  void waiters.wait('a', 10_000).then(() => settled.push('a2'));
  void waiters.wait('b', 500).then(() => settled.push('b'));
  void waiters.wait('c', 60_000).then(() => settled.push('c'));
  waiters.wake(['a', 'unknown']);
  await vi.advanceTimersByTimeAsync(0);
  expect(settled).toEqual(['a', 'a2']);
  await vi.advanceTimersByTimeAsync(499);
  expect(settled).toEqual(['a', 'a2']);
  await vi.advanceTimersByTimeAsync(1);
  expect(settled).toEqual(['a', 'a2', 'b']);
  waiters.wakeAll();
  await vi.advanceTimersByTimeAsync(0);
  expect(settled).toEqual(['a', 'a2', 'b', 'c']);
  expect(vi.getTimerCount()).toBe(0); // every timeout was cleared or fired: nothing left behind
});

test('the store guard turns a failing or silent store call into a 503 naming the cause, and reports it to the health', async () => {
  const lines: string[] = [];
  const health = new StoreHealth((l) => lines.push(l), () => Date.now());
  const guard = new StoreGuard(new MemoryQueueStore(), health, defaultTimers, 1_000);
  expect(await guard.run('depth', async () => 7)).toBe(7);
  await expect(guard.run('addCall', () => Promise.reject(new Error('ECONNREFUSED')))).rejects.toMatchObject({ name: 'StoreUnavailableError', statusCode: 503, message: expect.stringContaining('ECONNREFUSED') });
  expect(health.ok).toBe(false);
  const silent = guard.run('getCall', () => new Promise<never>(() => undefined));
  const caught = silent.catch((err: unknown) => err);
  await vi.advanceTimersByTimeAsync(1_000);
  const err = await caught;
  expect(err).toBeInstanceOf(StoreUnavailableError);
  expect((err as Error).message).toMatch(/no answer within 1000 ms/);
  expect(await guard.check()).toMatchObject({ ok: true });
  expect(lines).toHaveLength(2); // one line when the outage began, one when it ended
});
