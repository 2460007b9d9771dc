import { expect, test } from 'vitest';
import { SYNTHETIC_BERT_SHAPES, buildSyntheticBertOnnx } from '../bert/synthetic-bert';
import { estimateFlopsPerToken } from './flops';

test('weight FLOP/token of a BERT encoder: 2 × (4h² + 2hi) per layer', () => {
  const s = SYNTHETIC_BERT_SHAPES.tiny;
  const perLayer = 2 * (4 * s.hidden * s.hidden + 2 * s.hidden * s.intermediate);
  expect(estimateFlopsPerToken(buildSyntheticBertOnnx(s))).toBe(s.layers * perLayer);
});
