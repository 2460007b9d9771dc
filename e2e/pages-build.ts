// Builds the e2e/bench pages (e2e/pages/*.html) with Vite in production mode into
// e2e/artifacts/pages-dist, so specs exercise the same bundling of onnxruntime-web the app ships
// (ORT files served from /ort/, not from node_modules). Kept out of the app's own build.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { ARTIFACTS_DIR } from './browser';

const PAGES_DIR = join(import.meta.dirname, 'pages');
export const PAGES_DIST = join(ARTIFACTS_DIR, 'pages-dist');

let built: Promise<string> | undefined;

export function buildPages(): Promise<string> {
  built ??= (async () => {
    const input = Object.fromEntries(
      readdirSync(PAGES_DIR)
        .filter((f) => f.endsWith('.html'))
        .map((f) => [f.slice(0, -5), join(PAGES_DIR, f)]),
    );
    await build({
      configFile: false,
      root: PAGES_DIR,
      base: '/',
      publicDir: false,
      logLevel: 'warn',
      worker: { format: 'es' },
      build: { outDir: PAGES_DIST, emptyOutDir: true, target: 'es2022', minify: false, rollupOptions: { input } },
    });
    return PAGES_DIST;
  })();
  return built;
}
