// The lint rule that keeps fixed sleeps out of tests (eslint.config.js, TEST_SLEEPS): it flags each
// sleep idiom in a test file, leaves source files and real waits alone, and takes an explained
// `not a wait:` exception. Runs the project's own ESLint config on snippets.
import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

/** The no-restricted-syntax findings for `code` linted as if it lived at `filePath`. */
async function sleeps(code: string, filePath: string): Promise<number[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.line);
}

describe('no fixed sleeps in tests (lint)', () => {
  test('each sleep idiom in a test file is an error, one per line', async () => {
    const code = [
      "import { setTimeout as delay } from 'node:timers/promises';",
      'declare const page: { waitForTimeout(ms: number): Promise<void> };',
      'declare function sleep(ms: number): Promise<void>;',
      'export async function waits(): Promise<void> {',
      '  await new Promise((r) => setTimeout(r, 100));',
      '  await new Promise<void>((resolve) => setTimeout(() => resolve(), 100));',
      '  await new Promise((r) => { setTimeout(r, 5); });',
      '  await new Promise<void>((r) => { setTimeout(() => r(), 5); });',
      '  await sleep(50);',
      '  await page.waitForTimeout(300);',
      '  await delay(10);',
      '}',
    ].join('\n');
    for (const path of ['src/server/x.test.ts', 'e2e/x.spec.ts', 'src/server/test-fixtures/x.ts']) {
      expect(await sleeps(code, path)).toEqual([1, 5, 6, 7, 8, 9, 10, 11]);
    }
  });

  test('waits on a witness, source files and an explained exception pass', async () => {
    const ok = [
      "import { expect, vi } from 'vitest';",
      'export async function waits(log: string[], fire: () => void): Promise<void> {',
      "  await expect.poll(() => log).toEqual(['done']);",
      '  await vi.advanceTimersByTimeAsync(1_000);',
      '  const timer = setTimeout(fire, 0);',
      '  clearTimeout(timer);',
      '  // eslint-disable-next-line no-restricted-syntax -- not a wait: the handler is slow on purpose',
      '  await new Promise((r) => setTimeout(r, 10));',
      '}',
    ].join('\n');
    expect(await sleeps(ok, 'src/server/x.test.ts')).toEqual([]);
    const source = 'export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));\n';
    expect(await sleeps(source, 'src/core/x.ts')).toEqual([]);
  });
});
