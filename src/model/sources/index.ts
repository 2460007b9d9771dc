// Browser-safe entry for model sources (the Node folder loader is node-folder-source.ts).
export * from './errors';
export * from './model-files';
export { fetchModelFile, loadModelFromUrl, type FetchLike, type UrlSourceOptions } from './url-source';
export { loadModelFromFiles, readDroppedFile, type FileListSourceOptions, type NamedBlob } from './file-list-source';
