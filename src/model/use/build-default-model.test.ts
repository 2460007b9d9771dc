import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/builder';
import { buildDefaultModel, CONVERTER_VERSION, defaultModelSourceDir } from './build-default-model';
import { convertUseGraph, UseGraphError } from './convert';
import { DEFAULT_MODEL, type DefaultModelConfig } from './default-model';
import { UnsupportedTfOpError } from './tf-ops';
import { readTfjsGraph, TfjsModelError } from './tfjs-graph';

/**
 * sha256 of the converted model.onnx. The converter is deterministic: if this changes, the
 * conversion changed — re-run the fidelity test, bump CONVERTER_VERSION, update this value.
 */
const EXPECTED_MODEL_SHA256 = '56a6f2066bc7d1983f1e4ec034097f2ac53056a2c1806e83e55929d5976e77db';

const tmp = mkdtempSync(path.join(tmpdir(), 'embedbook-use-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('buildDefaultModel', () => {
  const out = path.join(tmp, 'default');

  it('writes model.onnx with the expected sha256, vocab.json and config.json', async () => {
    const r = await buildDefaultModel(out);
    expect(r.built).toBe(true);
    expect(r.modelSha256).toBe(EXPECTED_MODEL_SHA256);
    expect(sha(path.join(out, 'model.onnx'))).toBe(EXPECTED_MODEL_SHA256);
    expect(readFileSync(path.join(out, 'vocab.json'))).toEqual(readFileSync(path.join(defaultModelSourceDir(), 'vocab.json')));
    const config = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')) as DefaultModelConfig;
    expect(config).toMatchObject({
      dimension: 512,
      maxLength: 128,
      inputNames: { inputIds: 'input_ids', attentionMask: 'attention_mask' },
      inputType: 'int64',
      outputName: 'sentence_embedding',
      modelSha256: EXPECTED_MODEL_SHA256,
      converterVersion: CONVERTER_VERSION,
      tokenizer: { kind: 'sentencepiece', vocab: 'vocab.json' },
    });
  });

  it('is a no-op when the files are current', async () => {
    const r = await buildDefaultModel(out);
    expect(r.built).toBe(false);
    expect(r.int8Built).toBe(false);
    expect(r.modelSha256).toBe(EXPECTED_MODEL_SHA256);
  });

  it('writes the int8 variant (dtype q8) as a file, recorded in config.json; a build without it gets just that file', async () => {
    const config = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')) as DefaultModelConfig;
    const int8 = path.join(out, 'model.int8.onnx');
    expect(config.int8Model).toBe('model.int8.onnx');
    expect(sha(int8)).toBe(config.int8Sha256);
    const m = decodeModel(readFileSync(int8));
    expect(m.graph!.node!.filter((n) => n.opType === 'MatMulInteger')).toHaveLength(10);
    expect(m.graph!.node!.filter((n) => n.opType === 'DynamicQuantizeLinear')).toHaveLength(10);
    // Deleted (or from a build before int8 files): only the int8 file is written again, the same bytes.
    const before = config.int8Sha256;
    rmSync(int8);
    const r = await buildDefaultModel(out);
    expect(r).toMatchObject({ built: false, int8Built: true });
    expect(sha(int8)).toBe(before);
  });

  it('rebuilds a damaged model.onnx, to the same bytes', async () => {
    writeFileSync(path.join(out, 'model.onnx'), 'truncated');
    const r = await buildDefaultModel(out);
    expect(r.built).toBe(true);
    expect(sha(path.join(out, 'model.onnx'))).toBe(EXPECTED_MODEL_SHA256);
  });

  it('declares dense int64 inputs and a [batch, 512] output at opset 17', () => {
    const m = decodeModel(readFileSync(path.join(out, 'model.onnx')));
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const g = m.graph;
    expect(g).toBeDefined();
    const inputs = g?.input ?? [];
    const outputs = g?.output ?? [];
    expect(inputs.map((i) => [i.name, i.type?.tensorType?.elemType])).toEqual([['input_ids', 7], ['attention_mask', 7]]);
    expect(outputs.map((o) => o.name)).toEqual([DEFAULT_MODEL.outputName]);
    expect(outputs[0].type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 512]);
    // No sparse input survives the conversion.
    const reads = (g?.node ?? []).flatMap((n) => n.input ?? []);
    expect(reads).toContain('input_ids');
    expect(reads.some((x) => x === 'indices' || x === 'values')).toBe(false);
  });
});

describe('converter errors', () => {
  it('names a missing TF.js model folder', async () => {
    await expect(readTfjsGraph(path.join(tmp, 'nope'))).rejects.toThrow(TfjsModelError);
  });

  it('rejects a graph that is not USE lite', () => {
    expect(() => convertUseGraph({ nodes: [{ name: 'x', op: 'Const' }], weights: new Map() })).toThrow(UseGraphError);
  });

  it('names the node and op it cannot convert', async () => {
    const g = await readTfjsGraph(defaultModelSourceDir());
    const tanh = g.nodes.find((n) => n.op === 'Tanh')!;
    const nodes = g.nodes.map((n) => (n === tanh ? { ...n, op: 'Erf' } : n));
    expect(() => convertUseGraph({ ...g, nodes })).toThrow(UnsupportedTfOpError);
    expect(() => convertUseGraph({ ...g, nodes })).toThrow(/tanh_layer_0\/Tanh.*Erf/);
  });
});
