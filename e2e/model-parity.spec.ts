// Parity of the browser backend with the Node backend: the same tokenizer, pipeline and model run
// in onnxruntime-web (WASM, and WebGPU once) inside Chromium and in onnxruntime-node here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS_DIR, launchChromium, watchPageErrors } from './browser';
import { buildPages } from './pages-build';
import { serveStatic, type StaticServer } from './static-server';
import type { PageEmbedRequest, PageEmbedResult } from './pages/parity';
import { createNodeSession } from '../src/model/node-session';
import { Embedder } from '../src/model/pipeline/embedder';
import { buildTinyModel } from '../src/model/pipeline/test-models';
import { bertTokenizerJson } from '../src/model/bert/tokenizer-json';
import { loadBertBaseUncasedVocab } from '../src/model/bert/bert-base-uncased-vocab';
import { createWordPieceTokenizer } from '../src/model/bert/wordpiece-tokenizer';

const FIXTURES = join(ARTIFACTS_DIR, 'parity-fixtures');
const ROOT = join(import.meta.dirname, '..');

let server: StaticServer;
beforeAll(async () => {
  const dist = await buildPages();
  mkdirSync(join(FIXTURES, 'tiny-bert'), { recursive: true });
  const vocab = loadBertBaseUncasedVocab();
  writeFileSync(join(FIXTURES, 'tiny-bert', 'model.onnx'), buildTinyModel({ vocab: vocab.length, hidden: 16, tokenTypes: true }));
  writeFileSync(join(FIXTURES, 'tiny-bert', 'tokenizer.json'), JSON.stringify(bertTokenizerJson(vocab)));
  server = await serveStatic({
    '/': dist,
    '/ort/': join(ROOT, 'public', 'ort'),
    '/fixtures/': FIXTURES,
    '/models/': join(ROOT, 'public', 'models'),
  });
});
afterAll(async () => {
  await server?.close();
});

async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${server.url}/parity.html`);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, errors };
}

const pageEmbed = (page: Page, req: PageEmbedRequest) => page.evaluate((r) => window.embedbookPage.embed(r), req);

function maxAbsDiff(a: ReadonlyArray<ArrayLike<number> | null>, b: ReadonlyArray<ArrayLike<number> | null>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  a.forEach((row, i) => {
    const other = b[i];
    expect(row === null).toBe(other === null);
    if (!row || !other) return;
    expect(row.length).toBe(other.length);
    for (let j = 0; j < row.length; j++) max = Math.max(max, Math.abs(row[j] - other[j]));
  });
  return max;
}

const TINY_TEXTS = ['Hello world!', '', 'The quick brown fox jumps over the lazy dog.', 'Café déjà vu — naïve façade', 'x'.repeat(3000), '日本語のテキスト', 'short'];

async function nodeTiny(texts: string[]) {
  const session = await createNodeSession(join(FIXTURES, 'tiny-bert', 'model.onnx'), { device: 'cpu' });
  const tok = createWordPieceTokenizer(JSON.stringify(bertTokenizerJson(loadBertBaseUncasedVocab())));
  try {
    return await new Embedder(tok, session).embed(texts);
  } finally {
    await session.dispose();
  }
}

describe('tiny BERT (WordPiece + mean pooling) in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  test('WASM matches onnxruntime-node to 1e-5 and runs multi-threaded', async () => {
    const { page, errors } = await openPage(browser);
    const res: PageEmbedResult = await pageEmbed(page, {
      modelUrl: '/fixtures/tiny-bert/model.onnx',
      tokenizer: { kind: 'wordpiece', url: '/fixtures/tiny-bert/tokenizer.json' },
      device: 'auto',
      texts: TINY_TEXTS,
    });
    expect(res.crossOriginIsolated).toBe(true);
    expect(res.device).toBe('wasm');
    expect(res.deviceReason).toMatch(/^auto: no WebGPU .*WASM SIMD, \d+ threads/);
    const node = await nodeTiny(TINY_TEXTS);
    expect(maxAbsDiff(res.vectors, node.values)).toBeLessThanOrEqual(1e-5);
    expect(res.truncated).toEqual(node.truncated);
    expect(errors).toEqual([]);
    expect(server.misses).toEqual([]);
  });
});

describe('WebGPU (SwiftShader) in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium({ webgpu: true });
  });
  afterAll(() => browser?.close());

  test('auto picks WebGPU when an adapter exists and matches Node within 1e-3', async () => {
    const { page, errors } = await openPage(browser);
    const res = await pageEmbed(page, {
      modelUrl: '/fixtures/tiny-bert/model.onnx',
      tokenizer: { kind: 'wordpiece', url: '/fixtures/tiny-bert/tokenizer.json' },
      device: 'auto',
      texts: TINY_TEXTS,
    });
    expect(res.device).toBe('webgpu');
    expect(res.deviceReason).toBe('auto: WebGPU adapter found');
    const node = await nodeTiny(TINY_TEXTS);
    expect(maxAbsDiff(res.vectors, node.values)).toBeLessThanOrEqual(1e-3);
    expect(errors.filter((e) => !/powerPreference/.test(e))).toEqual([]);
  });
});
