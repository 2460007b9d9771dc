// Dataset I/O: the same code in a Web Worker and in Node. See docs/io.md.
export { iterateBytes, toReadableStream, byteSourceSize, byteSourceName, type ByteSource } from './byte-source';
export { readCsv, type CsvReadOptions } from './csv-read';
export { readJsonl, type JsonlReadOptions } from './jsonl-read';
export { detectDelimiter, parseDelimiter, CSV_DELIMITERS, type CsvDelimiter } from './csv-delimiter';
export { readParquet, checkParquetFrame, type ParquetReadOptions, type ParquetSource } from './parquet-read';
export { readDataset, detectFormat, type ReadDatasetOptions, type DatasetFormat } from './read-dataset';
export { writeParquetChunks, writeParquetBuffer, sliceTable, type ParquetWriteOptions, type WriteProgress } from './parquet-write';
export {
  writeEmbeddingsParquet,
  embeddingsFromResult,
  type EmbeddingColumns,
  type EmbeddingValues,
  type EmbeddingOutputOptions,
} from './embedding-output';
export { validateTextColumn, suggestTextColumn, textColumnNames } from './text-column';
export { tableToIpcBytes, tableFromIpcBytes } from './ipc';
export { loadParquetWasm, setParquetWasmSource, type ParquetWasmSource } from './parquet-wasm';
export {
  summarizeTable,
  columnKind,
  type DatasetSummary,
  type ColumnSummary,
  type ColumnKind,
  type DatasetReadResult,
  type ReadProgress,
  type WidenedColumn,
} from './dataset-summary';
export * from './errors';
