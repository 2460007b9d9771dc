import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, watchPageErrors } from './browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

test('the app shell opens in Chromium without page errors', async () => {
  const page = await browser.newPage();
  const errors = watchPageErrors(page);
  await page.goto(inject('appUrl'));
  await expect.poll(() => page.locator('h1').textContent()).toBe('embedbook');
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  expect(errors).toEqual([]);
});
