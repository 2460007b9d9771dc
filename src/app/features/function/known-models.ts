// Small, well-tested sentence-embedding models with ONNX exports on the hub, offered first in the
// picker (any other id can be typed). Dimensions and licences are the repos'; the picker still
// reads them from the repo before downloading.
export interface KnownModel {
  id: string;
  note: string;
}

export const KNOWN_MODELS: readonly KnownModel[] = [
  { id: 'Xenova/all-MiniLM-L6-v2', note: 'English, 384-d, fast (sentence-transformers default)' },
  { id: 'Xenova/bge-small-en-v1.5', note: 'English, 384-d, strong retrieval' },
  { id: 'Xenova/multilingual-e5-small', note: '~100 languages, 384-d (prompts query / passage)' },
  { id: 'nomic-ai/nomic-embed-text-v1.5', note: 'English, 768-d, long texts (prompts search_query / search_document)' },
  { id: 'Xenova/paraphrase-multilingual-MiniLM-L12-v2', note: '50+ languages, 384-d' },
];

/** The hub the picker uses: `?hf_endpoint=` on the page (a mirror), else huggingface.co. */
export function pageHubEndpoint(): string {
  const fromQuery = typeof location === 'undefined' ? null : new URLSearchParams(location.search).get('hf_endpoint');
  return fromQuery?.trim() || 'https://huggingface.co';
}
