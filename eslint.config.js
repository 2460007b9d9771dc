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

const NO_SLEEP = 'A fixed sleep in a test: wait on a witness (expect.poll on the awaited thing, a gate, an armed timer) or drive fake timers. A delay that IS the scenario: `// eslint-disable-next-line no-restricted-syntax -- not a wait: <why>`.';
const TEST_SLEEPS = [
  // new Promise((r) => setTimeout(r, ms)) (also in a block body), and an executor that is just a setTimeout call
  { selector: "NewExpression[callee.name='Promise'] > :function CallExpression[callee.name='setTimeout'][arguments.0.type='Identifier']", message: NO_SLEEP },
  { selector: "NewExpression[callee.name='Promise'] > :function > CallExpression.body[callee.name='setTimeout'][arguments.0.type!='Identifier']", message: NO_SLEEP },
  // …and the same callback form inside a block body: new Promise((r) => { setTimeout(() => r(), ms); })
  { selector: "NewExpression[callee.name='Promise'] > :function > BlockStatement > ExpressionStatement > CallExpression[callee.name='setTimeout'][arguments.0.type!='Identifier']", message: NO_SLEEP },
  { selector: "CallExpression[callee.name=/^(sleep|delay|wait)$/]", message: NO_SLEEP },
  { selector: "CallExpression[callee.property.name='waitForTimeout']", message: `page.waitForTimeout: ${NO_SLEEP} (Playwright: a locator wait or page.waitForFunction)` },
  { selector: "ImportDeclaration[source.value=/timers\\/promises$/]", message: NO_SLEEP },
];

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
    // Tests wait for a witness (expect.poll on the thing awaited, a gate, an armed timer) or drive
    // fake timers, never for a fixed time: under load a sleep is too short, and it always costs its
    // length. A delay that IS the scenario (a slow handler, a fake clock's latency) stays, with
    // `// eslint-disable-next-line no-restricted-syntax -- not a wait: <why>`.
    files: ['**/*.test.ts', '**/*.test.tsx', '**/*.spec.ts', '**/test-fixtures/**/*.ts', '**/*.test-helpers.ts', 'src/**/*-contract.ts', 'e2e/**/*.ts'],
    ignores: ['src/core/timers.test.ts'], // tests sleep() itself, on fake timers
    rules: {
      'no-restricted-syntax': ['error', ...TEST_SLEEPS],
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
