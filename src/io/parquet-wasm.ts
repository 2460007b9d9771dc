// One way to get an initialised parquet-wasm in Node, a Web Worker and the page.
//
// We always import the package's `esm` build (the `node` build is CommonJS and reads its .wasm
// with require('fs') at import time, which a browser bundle cannot contain). The esm build needs
// `init(source)` once:
// - Node: the .wasm bytes, read with node:fs. The specifier is built at run time so bundlers
//   never try to pull node:fs into the browser build.
// - Browser: a URL. wasm-bindgen's default (`new URL('parquet_wasm_bg.wasm', import.meta.url)`)
//   breaks under Vite's dev-time dependency pre-bundling, so the app passes the URL Vite gives
//   for the asset: see src/worker/worker.ts (`import url from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url'`).
import * as parquetModule from 'parquet-wasm/esm';
import initWasm from 'parquet-wasm/esm';

export type ParquetWasm = typeof parquetModule;
export type ParquetWasmSource = string | URL | Uint8Array | ArrayBuffer | WebAssembly.Module;

let configured: ParquetWasmSource | undefined;
let ready: Promise<ParquetWasm> | undefined;

/** Tells the loader where the .wasm lives (browser). Call before the first Parquet read/write. */
export function setParquetWasmSource(source: ParquetWasmSource): void {
  configured = source;
}

const isNode = (): boolean =>
  typeof process !== 'undefined' && typeof process.versions === 'object' && typeof process.versions.node === 'string';

async function nodeWasmBytes(): Promise<Uint8Array> {
  const fsName = 'node:fs/promises';
  const moduleName = 'node:module';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
  const { createRequire } = (await import(/* @vite-ignore */ moduleName)) as typeof import('node:module');
  const require = createRequire(import.meta.url);
  return fs.readFile(require.resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'));
}

/** The initialised module (memoised; a failed init is retried on the next call). */
export function loadParquetWasm(): Promise<ParquetWasm> {
  ready ??= (async () => {
    const source = configured ?? (isNode() ? await nodeWasmBytes() : undefined);
    await initWasm(source === undefined ? undefined : { module_or_path: source as Parameters<typeof initWasm>[0] & object });
    return parquetModule;
  })().catch((err: unknown) => {
    ready = undefined;
    throw err;
  });
  return ready;
}
