// A standard BERT encoder as an ONNX graph with seeded random weights, laid out like Hugging
// Face's (optimum) ONNX exports of BertModel: int64 inputs input_ids / attention_mask /
// token_type_ids → last_hidden_state [batch, seq, hidden], unfused standard ops (opset 17), so
// onnxruntime applies the same graph fusions and the speed equals a real model of that shape.
import { DataType, encodeModel, float, graph, node, tensor, valueInfo, type onnx } from '../onnx/builder';
import { mulberry32, uniformSampler } from '../../core/prng';

export interface BertShape {
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  seed: number;
}

export type SyntheticBertKind = 'tiny' | 'minilm';

export const SYNTHETIC_BERT_SHAPES: Record<SyntheticBertKind, BertShape> = {
  tiny: { vocabSize: 30522, hidden: 32, layers: 2, heads: 2, intermediate: 64, maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12, seed: 1 },
  minilm: { vocabSize: 30522, hidden: 384, layers: 6, heads: 12, intermediate: 1536, maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12, seed: 6 },
};

/** Weight scale: small enough that random layers stay well-conditioned, like trained BERT (σ≈0.02–0.05). */
const WEIGHT_SCALE = 0.05;

/** config.json as transformers.js / HF write it for a BertModel. */
export function bertConfigJson(s: BertShape): Record<string, unknown> {
  return {
    architectures: ['BertModel'],
    attention_probs_dropout_prob: 0.1,
    classifier_dropout: null,
    gradient_checkpointing: false,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    hidden_size: s.hidden,
    initializer_range: 0.02,
    intermediate_size: s.intermediate,
    layer_norm_eps: s.layerNormEps,
    max_position_embeddings: s.maxPositions,
    model_type: 'bert',
    num_attention_heads: s.heads,
    num_hidden_layers: s.layers,
    pad_token_id: 0,
    position_embedding_type: 'absolute',
    transformers_version: '4.40.0',
    type_vocab_size: s.typeVocabSize,
    use_cache: true,
    vocab_size: s.vocabSize,
  };
}

/** Encoded ONNX bytes of a random-weight BERT of this shape: same shape + seed → same bytes. */
export function buildSyntheticBertOnnx(s: BertShape): Uint8Array {
  if (s.hidden % s.heads !== 0) throw new Error(`hidden ${s.hidden} is not divisible by heads ${s.heads}`);
  const rand = uniformSampler(mulberry32(s.seed), WEIGHT_SCALE);
  const H = s.hidden;
  const headDim = H / s.heads;
  const inits: onnx.ITensorProto[] = [];
  const nodes: onnx.INodeProto[] = [];

  const weight = (name: string, dims: number[]): string => {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rand();
    inits.push(tensor(name, dims, data));
    return name;
  };
  const layerNormParams = (prefix: string): [string, string] => {
    const g = new Float32Array(H);
    const b = new Float32Array(H);
    for (let i = 0; i < H; i++) g[i] = 1 + rand();
    for (let i = 0; i < H; i++) b[i] = rand();
    inits.push(tensor(`${prefix}.weight`, [H], g), tensor(`${prefix}.bias`, [H], b));
    return [`${prefix}.weight`, `${prefix}.bias`];
  };
  const constI64 = (name: string, values: number[], dims = [values.length]): string => {
    inits.push(tensor(name, dims, BigInt64Array.from(values.map(BigInt))));
    return name;
  };
  const constF32 = (name: string, value: number): string => {
    inits.push(tensor(name, [], new Float32Array([value])));
    return name;
  };
  const layerNorm = (x: string, params: [string, string], out: string): string => {
    nodes.push(node('LayerNormalization', [x, ...params], [out], { axis: -1, epsilon: float(s.layerNormEps) }));
    return out;
  };
  const linear = (x: string, prefix: string, inDim: number, outDim: number, out: string): string => {
    const w = weight(`${prefix}.weight`, [inDim, outDim]);
    const b = weight(`${prefix}.bias`, [outDim]);
    nodes.push(node('MatMul', [x, w], [`${out}_mm`]), node('Add', [`${out}_mm`, b], [out]));
    return out;
  };

  // Embeddings: word + position (rows 0..seq-1) + token type, then LayerNorm.
  const wordEmb = weight('embeddings.word_embeddings.weight', [s.vocabSize, H]);
  const posEmb = weight('embeddings.position_embeddings.weight', [s.maxPositions, H]);
  const typeEmb = weight('embeddings.token_type_embeddings.weight', [s.typeVocabSize, H]);
  const embLn = layerNormParams('embeddings.LayerNorm');
  constI64('const_0', [0]);
  constI64('const_1', [1]);
  constI64('const_2', [2]);
  nodes.push(
    node('Gather', [wordEmb, 'input_ids'], ['emb_word'], { axis: 0 }),
    node('Shape', ['input_ids'], ['ids_shape']),
    node('Slice', ['ids_shape', 'const_1', 'const_2', 'const_0'], ['seq_len']),
    node('Slice', [posEmb, 'const_0', 'seq_len', 'const_0'], ['emb_pos']),
    node('Gather', [typeEmb, 'token_type_ids'], ['emb_type'], { axis: 0 }),
    node('Add', ['emb_word', 'emb_pos'], ['emb_sum0']),
    node('Add', ['emb_sum0', 'emb_type'], ['emb_sum']),
  );
  let x = layerNorm('emb_sum', embLn, 'emb_out');

  // Additive attention mask [batch, 1, 1, seq]: 0 for tokens, float32 min for padding (as HF).
  constI64('mask_axes', [1, 2]);
  constF32('one_f', 1);
  constF32('neg_big', -3.4028234663852886e38);
  nodes.push(
    node('Unsqueeze', ['attention_mask', 'mask_axes'], ['mask_4d']),
    node('Cast', ['mask_4d'], ['mask_f'], { to: DataType.FLOAT }),
    node('Sub', ['one_f', 'mask_f'], ['mask_inv']),
    node('Mul', ['mask_inv', 'neg_big'], ['mask_add']),
  );
  constI64('heads_shape', [0, 0, s.heads, headDim]);
  constI64('merge_shape', [0, 0, H]);
  constF32('attn_scale', Math.sqrt(headDim));
  constF32('sqrt2', Math.SQRT2);
  constF32('half', 0.5);

  for (let l = 0; l < s.layers; l++) {
    const p = `encoder.layer.${l}`;
    const t = (n: string): string => `l${l}_${n}`;
    linear(x, `${p}.attention.self.query`, H, H, t('q'));
    linear(x, `${p}.attention.self.key`, H, H, t('k'));
    linear(x, `${p}.attention.self.value`, H, H, t('v'));
    nodes.push(
      node('Reshape', [t('q'), 'heads_shape'], [t('q4')]),
      node('Transpose', [t('q4')], [t('qh')], { perm: [0, 2, 1, 3] }),
      node('Reshape', [t('k'), 'heads_shape'], [t('k4')]),
      node('Transpose', [t('k4')], [t('kh')], { perm: [0, 2, 3, 1] }),
      node('Reshape', [t('v'), 'heads_shape'], [t('v4')]),
      node('Transpose', [t('v4')], [t('vh')], { perm: [0, 2, 1, 3] }),
      node('MatMul', [t('qh'), t('kh')], [t('scores0')]),
      node('Div', [t('scores0'), 'attn_scale'], [t('scores1')]),
      node('Add', [t('scores1'), 'mask_add'], [t('scores')]),
      node('Softmax', [t('scores')], [t('probs')], { axis: -1 }),
      node('MatMul', [t('probs'), t('vh')], [t('ctx4')]),
      node('Transpose', [t('ctx4')], [t('ctx_t')], { perm: [0, 2, 1, 3] }),
      node('Reshape', [t('ctx_t'), 'merge_shape'], [t('ctx')]),
    );
    linear(t('ctx'), `${p}.attention.output.dense`, H, H, t('attn_out'));
    nodes.push(node('Add', [t('attn_out'), x], [t('attn_res')]));
    const a = layerNorm(t('attn_res'), layerNormParams(`${p}.attention.output.LayerNorm`), t('attn_ln'));
    // FFN with exact (erf) GELU: 0.5 · x · (1 + erf(x / √2)).
    linear(a, `${p}.intermediate.dense`, H, s.intermediate, t('ff1'));
    nodes.push(
      node('Div', [t('ff1'), 'sqrt2'], [t('gelu_d')]),
      node('Erf', [t('gelu_d')], [t('gelu_e')]),
      node('Add', [t('gelu_e'), 'one_f'], [t('gelu_a')]),
      node('Mul', [t('ff1'), t('gelu_a')], [t('gelu_m')]),
      node('Mul', [t('gelu_m'), 'half'], [t('gelu')]),
    );
    linear(t('gelu'), `${p}.output.dense`, s.intermediate, H, t('ff2'));
    nodes.push(node('Add', [t('ff2'), a], [t('ff_res')]));
    const outName = l === s.layers - 1 ? 'last_hidden_state' : t('out');
    x = layerNorm(t('ff_res'), layerNormParams(`${p}.output.LayerNorm`), outName);
  }

  const g = graph({
    name: 'main_graph',
    inputs: [
      valueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length']),
      valueInfo('attention_mask', DataType.INT64, ['batch_size', 'sequence_length']),
      valueInfo('token_type_ids', DataType.INT64, ['batch_size', 'sequence_length']),
    ],
    outputs: [valueInfo('last_hidden_state', DataType.FLOAT, ['batch_size', 'sequence_length', H])],
    initializers: inits,
    nodes,
  });
  return encodeModel(g, {
    opset: 17,
    producerName: 'embedbook-synthetic-bert',
    docString: `Random-weight BERT (hidden ${H}, ${s.layers} layers, ${s.heads} heads, FFN ${s.intermediate}, vocab ${s.vocabSize}, seed ${s.seed}). Not a trained model.`,
  });
}
