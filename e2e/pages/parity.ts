// Test page: runs our tokenizer + Embedder + onnxruntime-web session in the page and exposes one
// call to the spec (window.embedbookPage). Vectors come back as plain arrays for comparison.
import { createWebSession } from '../../src/model/web-session';
import { Embedder } from '../../src/model/pipeline/embedder';
import { createWordPieceTokenizer } from '../../src/model/bert/wordpiece-tokenizer';
import type { Device, ModelLoadProgress, Tokenizer } from '../../src/model/types';

export interface PageEmbedRequest {
  modelUrl: string;
  tokenizer: { kind: 'wordpiece'; url: string };
  device: Device;
  texts: unknown[];
}

export interface PageEmbedResult {
  device: string;
  deviceReason: string;
  dimension: number;
  crossOriginIsolated: boolean;
  vectors: Array<number[] | null>;
  errors: Array<string | null>;
  truncated: boolean[];
  progress: ModelLoadProgress[];
  ms: number;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function loadTokenizer(spec: PageEmbedRequest['tokenizer']): Promise<Tokenizer> {
  const json: unknown = await (await fetch(spec.url)).json();
  return createWordPieceTokenizer(json);
}

async function embed(req: PageEmbedRequest): Promise<PageEmbedResult> {
  const progress: ModelLoadProgress[] = [];
  const [bytes, tokenizer] = await Promise.all([fetchBytes(req.modelUrl), loadTokenizer(req.tokenizer)]);
  const session = await createWebSession(bytes, { device: req.device, onProgress: (p) => progress.push(p) });
  try {
    const t0 = performance.now();
    const out = await new Embedder(tokenizer, session).embed(req.texts);
    const ms = performance.now() - t0;
    return {
      device: session.device,
      deviceReason: session.deviceReason,
      dimension: session.dimension,
      crossOriginIsolated: self.crossOriginIsolated,
      vectors: out.values.map((v) => (v ? Array.from(v) : null)),
      errors: out.errors,
      truncated: out.truncated,
      progress,
      ms,
    };
  } finally {
    await session.dispose();
  }
}

declare global {
  interface Window {
    embedbookPage: { embed: typeof embed };
  }
}
window.embedbookPage = { embed };
document.body.dataset.ready = 'true';
