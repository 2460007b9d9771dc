// `import … from 'embedbook'` as a user's code resolves it, through package.json's `exports`: Node
// (a real `node` process, package self-reference, the `node` condition) gets src/client/index.ts;
// a browser bundler (esbuild with the `browser` condition) gets src/client/browser.ts, with no
// node:* module and no onnxruntime-node in the bundle. Both entries export the same curated names,
// apart from their runtime's LocalRuntime backend, and no engine internals.
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, test } from 'vitest';
import { chunkedCallCode } from '../app/features/chunking/code-snippet';
import { validateChunking } from '../app/features/chunking/validate-chunking';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

/** The runtime names `import('embedbook')` gives a fresh Node process (with extra --conditions). */
async function entryNames(conditions: string[] = []): Promise<{ names: string[]; nodeRemote: boolean }> {
  const script = `
    const m = await import('embedbook');
    const { Remote } = await import('./src/client/remote-node.ts');
    console.log(JSON.stringify({ names: Object.keys(m).sort(), nodeRemote: m.Remote === Remote }));`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', ...conditions.flatMap((c) => ['--conditions', c]), '--input-type=module', '-e', script], { cwd: root });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as { names: string[]; nodeRemote: boolean };
}

/** The names the app's "copy as code" snippet imports from 'embedbook'. */
function snippetImports(): string[] {
  const fields = { mode: 'numChunks' as const, chunkSize: '64', numChunks: '8', concurrentChunks: '4', timeout: '', retries: '1' };
  const v = validateChunking(fields, 100);
  const code = [
    chunkedCallCode(v, { kind: 'remote', url: 'http://h:1', apiKey: '', functionName: 'embed' }, 'text', 'a.csv'),
    chunkedCallCode(v, { kind: 'local', device: 'wasm', model: { kind: 'default' } }, 'text', 'a.csv'),
  ].join('\n');
  const lines = code.split('\n').filter((l) => l.includes("from 'embedbook'"));
  expect(lines.length).toBeGreaterThan(0);
  return lines.flatMap((l) => (/import \{([^}]*)\} from 'embedbook'/.exec(l)?.[1] ?? '').split(',').map((s) => s.trim()));
}

// Engine and I/O internals that must stay out of the public surface.
const INTERNALS = ['planChunks', 'assembleTable', 'sleep', 'defaultTimers', 'backoffDelayMs', 'sliceRows', 'tableToIpcBytes', 'summarizeTable', 'readIpcStream'];

describe("import from 'embedbook'", { timeout: 120_000 }, () => {
  test('in Node resolves to the Node entry: node Remote, onnxruntime-node backend, curated names only', async () => {
    const { names, nodeRemote } = await entryNames();
    expect(nodeRemote).toBe(true);
    for (const name of ['Remote', 'LocalRuntime', 'nodeBackend', 'createNodeHttpFetch', 'defineFunction', 'embeddingType', 'chunkedCall', 'readCsv', 'writeEmbeddingsParquet', 'EmbedbookError']) {
      expect(names).toContain(name);
    }
    expect(names).not.toContain('webBackend');
    for (const name of snippetImports()) expect(names, `the app's code snippet imports ${name}`).toContain(name);
    for (const name of INTERNALS) expect(names).not.toContain(name);
  });

  test('under the browser condition resolves to the browser entry, with the same names but its own backend', async () => {
    const [node, browser] = await Promise.all([entryNames(), entryNames(['browser'])]);
    expect(browser.nodeRemote).toBe(false);
    expect(browser.names).toContain('webBackend');
    const runtimeOnly = new Set(['nodeBackend', 'createNodeHttpFetch', 'webBackend']);
    expect(browser.names.filter((n) => !runtimeOnly.has(n))).toEqual(node.names.filter((n) => !runtimeOnly.has(n)));
  });

  test('a browser bundle of the package bundles browser.ts and no node:* module or onnxruntime-node', async () => {
    const result = await build({
      stdin: { contents: "export { Remote, LocalRuntime, readCsv } from 'embedbook';", resolveDir: root, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      outdir: resolve(root, 'dist/entry-check'),
      loader: { '.wasm': 'file' },
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('src/client/browser.ts');
    expect(inputs).not.toContain('src/client/index.ts');
    expect(inputs.filter((i) => i.startsWith('node:') || i.includes('onnxruntime-node') || i.includes('node-http-fetch'))).toEqual([]);
  });
});
