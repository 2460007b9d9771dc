import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['src/server/test-fixtures/redis-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores in CI: model-heavy suites must not all start at once.
    maxWorkers: 2,
    coverage: {
      provider: 'v8',
      include: ['src/core/**/*.ts'],
      exclude: ['src/core/**/*.test.ts'],
      thresholds: { 'src/core/**': { lines: 90 } },
      reporter: ['text-summary', 'text'],
    },
  },
});
