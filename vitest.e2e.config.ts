import { defineConfig } from 'vitest/config';

// End-to-end specs drive Debian Chromium through playwright-core against the built app served
// by the same server `npm start` uses; e2e/global-setup.ts builds and starts it.
export default defineConfig({
  test: {
    include: ['e2e/**/*.spec.ts'],
    environment: 'node',
    globalSetup: ['e2e/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
