import { expect, test } from 'vitest';
import { readSignature } from './signature';

const ids = { name: 'input_ids', type: 'int64', shape: ['batch', 'seq'] };
const mask = { name: 'attention_mask', type: 'int64', shape: ['batch', 'seq'] };

test('BERT layout: token output, token_type_ids detected, width from metadata', () => {
  const sig = readSignature('m.onnx', [ids, mask, { name: 'token_type_ids', type: 'int64' }], [
    { name: 'last_hidden_state', type: 'float32', shape: ['batch', 'seq', 384] },
  ]);
  expect(sig).toMatchObject({ outputKind: 'token', output: 'last_hidden_state', tokenTypeIds: 'token_type_ids', idType: 'int64', dimension: 384 });
});

test('default-model layout: pooled sentence_embedding preferred, int32 ids', () => {
  const i32 = (m: typeof ids) => ({ ...m, type: 'int32' });
  const sig = readSignature('m.onnx', [i32(ids), i32(mask)], [
    { name: 'last_hidden_state', type: 'float32' },
    { name: 'sentence_embedding', type: 'float32', shape: ['batch', 512] },
  ]);
  expect(sig).toMatchObject({ outputKind: 'pooled', output: 'sentence_embedding', idType: 'int32', dimension: 512, tokenTypeIds: undefined });
});

test('mismatched input names give an error naming the inputs found and expected', () => {
  expect(() => readSignature('x.onnx', [{ name: 'indices', type: 'int64' }, { name: 'values', type: 'int64' }], [])).toThrow(
    expect.objectContaining({ name: 'ModelSignatureError', message: expect.stringMatching(/x\.onnx: model inputs are 'indices' \(int64\), 'values'.*'input_ids' and 'attention_mask'.*unexpected: 'indices', 'values'/) }),
  );
  expect(() => readSignature('x.onnx', [ids, mask, { name: 'extra' }], [{ name: 'last_hidden_state' }])).toThrow(/unexpected: 'extra'/);
});

test('unusable outputs and types are rejected clearly', () => {
  expect(() => readSignature('x.onnx', [ids, mask], [{ name: 'logits', type: 'float32' }])).toThrow(/outputs are 'logits'.*'sentence_embedding'/);
  expect(() => readSignature('x.onnx', [ids, mask], [{ name: 'sentence_embedding', type: 'float16' }])).toThrow(/float16; only float32/);
  expect(() => readSignature('x.onnx', [{ ...ids, type: 'float32' }, mask], [{ name: 'sentence_embedding' }])).toThrow(/'input_ids' has type float32/);
});
