// Browser only (Vite): points parquet-wasm at the .wasm asset Vite serves/emits. Import this
// module once in the worker before reading or writing Parquet. Not for Node (the `?url` suffix is
// a Vite feature); Node loads the bytes from node_modules by itself.
import wasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';
import { setParquetWasmSource } from './parquet-wasm';

setParquetWasmSource(wasmUrl);

export { wasmUrl };
