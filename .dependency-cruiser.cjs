// Layer rules (issue #11): core → io / model / wire / protocol → client / server → worker → app / cli.
// A module may import its own layer and the layers to its left, never one to its right, and the two
// halves of a tier stay apart (client ↔ server, app ↔ cli). `npm run lint` runs this.
// Tests (*.test.ts, test-fixtures/) are left out: they reach across layers on purpose, to start
// the real server behind a client test, say.
const TESTS = '(\\.test\\.tsx?$|/test-fixtures/)';

/** A rule: modules under `from` (src/<layer>/) may not import modules under any of `to`. */
const layer = (name, from, to, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: `^src/(${from})/`, pathNot: TESTS },
  to: { path: `^src/(${to})/` },
});

module.exports = {
  forbidden: [
    layer('core-is-the-base', 'core', 'io|model|wire|protocol|client|server|worker|app|cli', 'src/core imports no other part of the project: everything builds on it.'),
    {
      name: 'core-is-runtime-neutral',
      comment: 'src/core runs in Node, a Web Worker and the page alike: no node:* built-ins (inject what you need).',
      severity: 'error',
      from: { path: '^src/core/', pathNot: TESTS },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-has-no-ui-or-workers',
      comment: 'src/core imports no React and no comlink.',
      severity: 'error',
      from: { path: '^src/core/', pathNot: TESTS },
      to: { path: '^node_modules/(react|react-dom|comlink)/' },
    },
    layer('io-model-wire-below-shells', 'io|model|wire|protocol', 'client|server|worker|app|cli', 'Dataset I/O, models, the wire codec and the protocol sit under the client and the server.'),
    layer('client-server-below-worker-app-cli', 'client|server', 'worker|app|cli', 'The client and the server know nothing of the Web Worker, the app or the CLI.'),
    layer('client-not-server', 'client', 'server', 'The client and the server share src/protocol (and core), not each other.'),
    layer('server-not-client', 'server', 'client', 'The client and the server share src/protocol (and core), not each other.'),
    layer('worker-below-app-cli', 'worker', 'app|cli|server', 'The Web Worker sits under the app; it never loads the server or the CLI.'),
    layer('app-not-cli-or-server', 'app', 'cli|server', 'The browser app does not import the CLI or the server.'),
    layer('cli-not-app-or-web-worker', 'cli', 'app|worker', 'The CLI does not import the browser app or the Web Worker.'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
