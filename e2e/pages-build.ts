// Builds the e2e/bench pages (e2e/pages/*.ts behind the one shell page.html) with Vite in production mode into
// e2e/artifacts/pages-dist, so specs exercise the same bundling of onnxruntime-web the app ships
// (ORT files served from /ort/, not from node_modules). Kept out of the app's own build.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { ARTIFACTS_DIR } from './browser';

const PAGES_DIR = join(import.meta.dirname, 'pages');
const PAGES_DIST = join(ARTIFACTS_DIR, 'pages-dist');

/** The URL path (on a server of the built pages) that opens page `name`: module e2e/pages/<name>.ts in the one shell, page.html. */
export const pagePath = (name: string): string => `/page.html?name=${encodeURIComponent(name)}`;

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
