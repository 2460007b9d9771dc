// Copies onnxruntime-web's runtime files into public/ort/ (gitignored) so dev, preview and
// production builds serve them same-origin at /ort/ — the path web-session.ts gives
// ort.env.wasm.wasmPaths. Same-origin matters: under COEP a cross-origin worker script breaks
// WASM threads. Run at postinstall/prebuild/predev; a no-op when the copies are current.
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The default `onnxruntime-web` import (ort.bundle.min.mjs) loads the JSEP (WebGPU + WASM) build. */
export const ORT_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function ortDistDir(): string {
  const require = createRequire(import.meta.url);
  // package.json is not in the package's exports map; the wasm file subpath is.
  return dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'));
}

/** Copies the files when missing or different in size/mtime; returns the ones copied. */
export function copyOrtAssets(dest = join(root, 'public', 'ort')): string[] {
  const src = ortDistDir();
  mkdirSync(dest, { recursive: true });
  const copied: string[] = [];
  for (const f of ORT_FILES) {
    const from = join(src, f);
    const to = join(dest, f);
    if (!existsSync(from)) throw new Error(`onnxruntime-web file ${from} is missing: reinstall onnxruntime-web (npm ci).`);
    const a = statSync(from);
    const b = existsSync(to) ? statSync(to) : undefined;
    if (b && b.size === a.size && b.mtimeMs >= a.mtimeMs) continue;
    copyFileSync(from, to);
    copied.push(f);
  }
  return copied;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const copied = copyOrtAssets();
  console.log(copied.length ? `copy-ort-assets: copied ${copied.join(', ')} to public/ort/` : 'copy-ort-assets: public/ort/ is up to date');
}
