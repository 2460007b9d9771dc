import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const forbiddenInCore = {
  patterns: [
    { group: ['node:*'], message: 'src/core is runtime-neutral: no node:* imports (inject what you need).' },
    { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'src/core must not import React.' },
    { group: ['comlink'], message: 'src/core must not know about workers (comlink belongs in src/worker).' },
    { group: ['fs', 'path', 'os', 'worker_threads', 'child_process', 'http', 'https', 'url', 'crypto', 'stream'], message: 'src/core must not import Node built-ins.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'public/**', 'e2e/artifacts/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: {
      'no-restricted-imports': ['error', forbiddenInCore],
      // DOM globals are forbidden too: the engine runs in Node, a Web Worker and the page alike.
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'indexedDB', 'Buffer', 'process'],
    },
  },
);
