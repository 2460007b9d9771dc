// `embedbook deploy embed.function.ts`: read the definition (importing the file validates it via
// defineFunction), bundle the file with esbuild into one self-contained ESM module, and POST both to
// the server, which runs the handler isolated in a worker.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { Remote } from '../client/remote-node';
import { toFunctionSpec, type FunctionDefinition } from '../protocol/define-function';
import { CliUsageError, InputFileError } from './errors';
import type { CliIO } from './main';

const DEFINE_FUNCTION = resolve(dirname(fileURLToPath(import.meta.url)), '../protocol/define-function.ts');

/**
 * Definition files import `defineFunction` from 'embedbook'. In the bundle that import resolves to
 * the tiny, dependency-free define-function module, not the whole package entry (Arrow, client…).
 */
const embedbookAlias: Plugin = {
  name: 'embedbook-define-function',
  setup(b) {
    b.onResolve({ filter: /^embedbook$/ }, () => ({ path: DEFINE_FUNCTION }));
  },
};

async function bundleDefinition(file: string): Promise<string> {
  const out = await build({
    entryPoints: [file],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    plugins: [embedbookAlias],
  });
  return out.outputFiles[0].text;
}

/**
 * Imports the bundle (not the source file): it is self-contained, so it loads wherever the file
 * lives (no node_modules or tsconfig needed next to it), and it is exactly what the server runs.
 */
async function loadDefinition(file: string, bundle: string): Promise<FunctionDefinition> {
  const dir = mkdtempSync(join(tmpdir(), 'embedbook-deploy-'));
  const tmp = join(dir, `${basename(file).replace(/\.[^.]+$/, '')}.mjs`);
  writeFileSync(tmp, bundle);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(tmp).href)) as { default?: unknown };
  } catch (err) {
    throw new InputFileError(`${file} failed to load: ${err instanceof Error ? err.message : String(err)}`, file, { cause: err });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const def = mod.default;
  if (!def || typeof def !== 'object' || typeof (def as { name?: unknown }).name !== 'string') {
    throw new InputFileError(`${file} must \`export default defineFunction({ name, ... })\`; its default export is ${def === undefined ? 'missing' : typeof def}.`, file);
  }
  return def as FunctionDefinition;
}

export async function runDeploy(file: string, flags: { url: string; adminKey?: string }, io: CliIO): Promise<number> {
  const path = resolve(file);
  if (!existsSync(path)) throw new InputFileError(`Definition file not found: ${file}`, file);
  if (!/^https?:\/\/[^/]/i.test(flags.url)) {
    throw new CliUsageError(`--url must be an http(s) URL like http://127.0.0.1:7711, got ${JSON.stringify(flags.url)}.`, 'url');
  }
  let bundle: string;
  try {
    bundle = await bundleDefinition(path);
  } catch (err) {
    throw new InputFileError(`Cannot bundle ${file}: ${err instanceof Error ? err.message : String(err)}`, file, { cause: err });
  }
  const definition = await loadDefinition(path, bundle);
  const spec = toFunctionSpec(definition);
  // A built-in model function (`model: 'default'`) carries no code.
  if (typeof definition.handler !== 'function') bundle = '';
  const adminKey = flags.adminKey ?? process.env.EMBEDBOOK_ADMIN_KEY ?? process.env.EMBEDBOOK_API_KEY;
  const remote = new Remote({ url: flags.url, adminKey, apiKey: process.env.EMBEDBOOK_API_KEY ?? adminKey });
  const { name, version } = await remote.deploy(spec, bundle);
  io.stdout(`Deployed "${name}" version ${version} to ${remote.url}${bundle ? ` (bundle ${(bundle.length / 1024).toFixed(1)} KiB)` : ' (built-in model)'}\n`);
  return 0;
}
