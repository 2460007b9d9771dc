// Browser-safe entry for model sources (the Node folder loader is node-folder-source.ts).
export * from './errors';
export * from './model-files';
export { loadModelFromUrl, type FetchLike, type UrlSourceOptions } from './url-source';
export { loadModelFromFiles, type FileListSourceOptions, type NamedBlob } from './file-list-source';
