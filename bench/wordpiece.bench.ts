// WordPiece tokenizer throughput: ours vs @huggingface/transformers' tokenizer on the same
// tokenizer.json (real bert-base-uncased vocab) and the same mixed-length texts, plus the cost of
// a 100k-character cell (cut early by ours). `npm run bench -- wordpiece [rounds]`
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { loadBertBaseUncasedVocab } from '../src/model/bert/bert-base-uncased-vocab';
import { bertTokenizerConfig, bertTokenizerJson } from '../src/model/bert/tokenizer-json';
import { createWordPieceTokenizer } from '../src/model/bert/wordpiece-tokenizer';
import { tokenizerFixtureSentences } from '../src/model/bert/testing/sentences';

function timeIt(fn: () => void, rounds: number): number {
  fn(); // warm-up (JIT, caches)
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) fn();
  return (performance.now() - t0) / rounds;
}

export async function main(args: string[]): Promise<void> {
  const rounds = Number(args[0] ?? 5);
  const vocab = loadBertBaseUncasedVocab();
  const tj = bertTokenizerJson(vocab);
  const tc = bertTokenizerConfig(512);
  const fixture = tokenizerFixtureSentences();
  // 2,000 mixed-length texts: the fixture repeated with a numeric suffix (real data repeats words
  // too, so the per-word cache both tokenizers may keep is fair game).
  const texts = Array.from({ length: 2000 }, (_, i) => `${fixture[i % fixture.length]} ${i}`);
  const chars = texts.reduce((n, t) => n + t.length, 0);
  const dir = mkdtempSync(path.join(tmpdir(), 'embedbook-wp-bench-'));
  mkdirSync(path.join(dir, 'bert'));
  writeFileSync(path.join(dir, 'bert', 'tokenizer.json'), JSON.stringify(tj));
  writeFileSync(path.join(dir, 'bert', 'tokenizer_config.json'), JSON.stringify(tc));
  env.allowRemoteModels = false;
  env.localModelPath = dir;
  const hf = await AutoTokenizer.from_pretrained('bert');
  const ours = createWordPieceTokenizer(tj, { tokenizerConfig: tc });
  const big = 'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(1800); // ~100k chars

  const oursMs = timeIt(() => texts.forEach((t) => ours.encode(t)), rounds);
  const hfMs = timeIt(() => texts.forEach((t) => hf(t, { truncation: true, max_length: 512, return_tensor: false })), rounds);
  const oursBigMs = timeIt(() => ours.encode(big), rounds * 4);
  const hfBigMs = timeIt(() => hf(big, { truncation: true, max_length: 512, return_tensor: false }), rounds);
  rmSync(dir, { recursive: true, force: true });

  const rows = [
    { case: `2,000 mixed texts (${chars} chars)`, ours_ms: oursMs, transformers_js_ms: hfMs, speedup: hfMs / oursMs },
    { case: `one ${big.length}-char text → 512 tokens`, ours_ms: oursBigMs, transformers_js_ms: hfBigMs, speedup: hfBigMs / oursBigMs },
  ];
  console.table(rows.map((r) => ({ ...r, ours_ms: r.ours_ms.toFixed(2), transformers_js_ms: r.transformers_js_ms.toFixed(2), speedup: `${r.speedup.toFixed(1)}×` })));
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out = path.join(here, 'results');
  mkdirSync(out, { recursive: true });
  const result = { bench: 'wordpiece', date: new Date().toISOString(), node: process.version, rounds, rows };
  writeFileSync(path.join(out, 'wordpiece.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    '| case | ours (ms) | transformers.js (ms) | speed-up |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.case} | ${r.ours_ms.toFixed(2)} | ${r.transformers_js_ms.toFixed(2)} | ${r.speedup.toFixed(1)}× |`),
  ].join('\n');
  writeFileSync(path.join(out, 'wordpiece.md'), `${md}\n`);
}
