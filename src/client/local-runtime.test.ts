import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bertTokenizerJson } from '../model/bert/tokenizer-json';
import { buildTinyModel } from '../model/pipeline/test-models';
import { ROW_OK } from '../core/types';
import { LocalRuntime } from './local-runtime-node';
import { LocalRuntime as BaseLocalRuntime } from './local-runtime';

const texts = (rows: Array<string | null>) => new Table({ text: vectorFromArray(rows, new Utf8()) });

/** A tiny HF-layout folder: onnx/model.onnx + tokenizer.json + config.json. */
function tinyBertFolder(opts: { tokenizer?: unknown; model?: Uint8Array } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'embedbook-tiny-'));
  mkdirSync(join(dir, 'onnx'));
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', 'the', 'cat', 'sat', '##s', '!', '.'];
  writeFileSync(join(dir, 'onnx', 'model.onnx'), opts.model ?? buildTinyModel({ vocab: vocab.length, hidden: 8, tokenTypes: true }));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(opts.tokenizer ?? bertTokenizerJson(vocab)));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', max_position_embeddings: 32 }));
  return dir;
}

describe('LocalRuntime (Node) with the default model', () => {
  const rt = new LocalRuntime({ model: 'default', device: 'cpu' });
  afterAll(() => rt.dispose());

  test('info reports the model, 512 dims and the device that ran', async () => {
    const info = await rt.info();
    expect(info).toMatchObject({ dimension: 512, device: 'cpu' });
    expect(info.model).toMatch(/^default \(Universal Sentence Encoder lite, model\.onnx\)$/);
    expect(info.deviceReason).toMatch(/CPU requested/);
  });

  test('chunkedCall keeps row order across chunks, flags bad rows, embeds empty strings', async () => {
    const rows = ['The cat sat on the mat.', null, '', 'A dog ran in the park.', 'word '.repeat(5000), 'Hello world!', 'Café ☕ déjà vu'];
    const res = await rt.function('embed').chunkedCall(texts(rows), { numChunks: 3, concurrentChunks: 2 });
    expect(res.table.numRows).toBe(rows.length);
    const status = res.table.getChild('status')!.toArray() as string[];
    expect(status[1]).toMatch(/expected a string, got null/);
    expect(status.filter((s) => s === ROW_OK)).toHaveLength(rows.length - 1);
    expect(res.failedRows).toBe(1);
    const direct = await rt.embedTexts(rows);
    const result = res.table.getChild('result')!;
    rows.forEach((_, i) => {
      const got = result.get(i);
      if (i === 1) return expect(got).toBeNull();
      const v = Float32Array.from(got!.toArray() as Float32Array);
      expect(v.length).toBe(512);
      Array.from(direct.values[i]!).forEach((x, j) => expect(v[j]).toBeCloseTo(x, 6));
    });
    expect(direct.truncated[4]).toBe(true);
    expect(rt.truncatedRows).toBeGreaterThan(0);
  });

  test('deferBatch returns a handle whose result matches chunkedCall', async () => {
    const handle = rt.function('embed').deferBatch(texts(['one', 'two']));
    const out = await handle.get({ timeout: 60 });
    expect(out.values).toHaveLength(2);
    expect(handle.status).toBe('done');
    const [a] = (await rt.embedTexts(['one'])).values;
    expect(Array.from(out.values[0]!)).toEqual(Array.from(a!));
  });

  test('a table without a text column is one clear error', async () => {
    const t = new Table({ a: vectorFromArray(['x']), b: vectorFromArray([1], new Int32()) });
    await expect(rt.function('embed').chunkedCall(t, { numChunks: 1 })).rejects.toMatchObject({
      name: 'TextColumnError',
      message: expect.stringContaining("got 'a', 'b'"),
    });
  });

  test('a non-text column gives per-row errors, not a crash', async () => {
    const t = new Table({ n: vectorFromArray([1, 2], new Int32()) });
    const res = await rt.function('embed').chunkedCall(t, { chunkSize: 10 });
    expect(res.table.getChild('status')!.toArray()).toEqual(['row 0: expected a string, got number 1', 'row 1: expected a string, got number 2']);
  });
});

describe('LocalRuntime (Node) with a Hugging Face-layout folder', () => {
  let dir: string;
  beforeAll(() => {
    dir = tinyBertFolder();
  });

  test('loads onnx/model.onnx + tokenizer.json and mean-pools', async () => {
    const rt = new LocalRuntime({ model: { folder: dir }, device: 'auto' });
    const info = await rt.info();
    expect(info).toMatchObject({ model: dir, dimension: 8 });
    const res = await rt.function('embed').chunkedCall(texts(['hello world', 'the cat sat', 'cats!']), { chunkSize: 2 });
    const v = res.table.getChild('result')!.get(0)!.toArray() as Float32Array;
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    await rt.dispose();
    await expect(rt.info()).rejects.toThrow(/Create a new LocalRuntime after dispose/);
  });

  test('a tokenizer.json of another type is a clear error', async () => {
    const bpe = { version: '1.0', model: { type: 'BPE', vocab: {}, merges: [] } };
    const rt = new LocalRuntime({ model: { folder: tinyBertFolder({ tokenizer: bpe }) } });
    await expect(rt.info()).rejects.toMatchObject({ name: 'TokenizerFormatError', message: expect.stringMatching(/BPE/) });
  });

  test('a model file that is not ONNX is a clear error naming it', async () => {
    const rt = new LocalRuntime({ model: { folder: tinyBertFolder({ model: new TextEncoder().encode('<html>404</html>') }) } });
    await expect(rt.info()).rejects.toMatchObject({ name: 'InvalidModelError', message: expect.stringMatching(/onnx\/model\.onnx is not a loadable ONNX model/) });
  });

  test('missing folders and files are named', async () => {
    await expect(new LocalRuntime({ model: { folder: '/nope/none' } }).info()).rejects.toMatchObject({ name: 'ModelSourceError', message: expect.stringMatching(/does not exist/) });
    const empty = mkdtempSync(join(tmpdir(), 'embedbook-empty-'));
    await expect(new LocalRuntime({ model: { folder: empty } }).info()).rejects.toThrow(/no tokenizer\.json/);
  });
});

describe('LocalRuntime options', () => {
  test('bad device, bad model spec, unknown function and missing backend fail at once', () => {
    expect(() => new LocalRuntime({ device: 'tpu' as never })).toThrow(/unknown device "tpu".*'auto', 'webgpu', 'wasm', 'cpu', 'cuda'/);
    expect(() => new LocalRuntime({ model: 'minilm' as never })).toThrow(/not a model id: use 'default' or a Hugging Face id/);
    expect(() => new LocalRuntime({ model: { path: 'x' } as never })).toThrow(/unsupported model spec/);
    expect(() => new LocalRuntime().function('sum')).toThrow(/'embed'/);
    expect(() => new BaseLocalRuntime({})).toThrow(expect.objectContaining({ name: 'MissingBackendError' }));
  });

  test('bad call options fail before the model loads', async () => {
    let loads = 0;
    const rt = new BaseLocalRuntime({ backend: { name: 'counting', loadModel: async () => { loads++; throw new Error('should not load'); }, createSession: async () => { throw new Error('unused'); } } });
    const t = texts(['a']);
    await expect(rt.function('embed').chunkedCall(t, { chunkSize: 1, numChunks: 1 } as never)).rejects.toMatchObject({ name: 'InvalidOptionError' });
    await expect(rt.function('embed').chunkedCall(t, { chunkSize: 1, concurrentChunks: 0 })).rejects.toMatchObject({ name: 'InvalidOptionError', message: expect.stringContaining('concurrentChunks') });
    expect(loads).toBe(0);
  });

  test('device wasm in Node is rejected with the Node devices', async () => {
    await expect(new LocalRuntime({ device: 'wasm' }).info()).rejects.toMatchObject({ name: 'UnknownDeviceError', message: expect.stringContaining("'auto', 'cpu', 'cuda', 'webgpu'") });
  });
});
