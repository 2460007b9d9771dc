// Reads an ONNX model's input/output metadata (runtime-neutral) and decides how to feed it and how
// to turn its output into one vector per row. Both session adapters share this so the Node and
// browser backends accept exactly the same models with the same errors.
import { ModelSignatureError } from './errors';

/** The subset of onnxruntime's InferenceSession.ValueMetadata that we read. */
export interface ValueMeta {
  name: string;
  isTensor?: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export type IdType = 'int64' | 'int32';

export interface ModelSignature {
  inputIds: string;
  attentionMask: string;
  /** Present when the model declares token_type_ids (BERT); fed as zeros. */
  tokenTypeIds?: string;
  idType: IdType;
  /** 'pooled' → [batch, dim] (e.g. sentence_embedding); 'token' → [batch, seq, dim], mean-pooled here. */
  outputKind: 'pooled' | 'token';
  output: string;
  /** The embedding width when the metadata states it; otherwise found by a warm-up run. */
  dimension?: number;
}

const POOLED_OUTPUTS = ['sentence_embedding', 'embeddings', 'sentence_embeddings'];
const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'];
const KNOWN_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];

export function readSignature(file: string, inputs: readonly ValueMeta[], outputs: readonly ValueMeta[]): ModelSignature {
  const names = inputs.map((i) => i.name);
  const list = (xs: readonly ValueMeta[]) => xs.map((x) => `'${x.name}'${x.type ? ` (${x.type})` : ''}`).join(', ') || '(none)';
  const unknown = names.filter((n) => !KNOWN_INPUTS.includes(n));
  const ids = inputs.find((i) => i.name === 'input_ids');
  const mask = inputs.find((i) => i.name === 'attention_mask');
  if (!ids || !mask || unknown.length > 0) {
    throw new ModelSignatureError(
      file,
      `model inputs are ${list(inputs)}; an embedding model must take 'input_ids' and 'attention_mask' (and optionally 'token_type_ids') and nothing else` +
        (unknown.length ? ` — unexpected: ${unknown.map((n) => `'${n}'`).join(', ')}` : ''),
    );
  }
  const idType = intType(file, ids);
  for (const other of inputs) {
    if (intType(file, other) !== idType) {
      throw new ModelSignatureError(file, `inputs mix integer types (${list(inputs)}); expected all int64 or all int32`);
    }
  }
  const pooled = outputs.find((o) => POOLED_OUTPUTS.includes(o.name));
  const token = outputs.find((o) => TOKEN_OUTPUTS.includes(o.name));
  const out = pooled ?? token;
  if (!out) {
    throw new ModelSignatureError(
      file,
      `model outputs are ${list(outputs)}; expected a pooled '${POOLED_OUTPUTS[0]}' [batch, dim] or per-token '${TOKEN_OUTPUTS[0]}' [batch, seq, dim]`,
    );
  }
  if (out.type !== undefined && out.type !== 'float32') {
    throw new ModelSignatureError(file, `output '${out.name}' is ${out.type}; only float32 outputs are supported`);
  }
  const last = out.shape?.[out.shape.length - 1];
  return {
    inputIds: ids.name,
    attentionMask: mask.name,
    tokenTypeIds: inputs.some((i) => i.name === 'token_type_ids') ? 'token_type_ids' : undefined,
    idType,
    outputKind: pooled ? 'pooled' : 'token',
    output: out.name,
    dimension: typeof last === 'number' && last > 0 ? last : undefined,
  };
}

function intType(file: string, v: ValueMeta): IdType {
  if (v.type === undefined || v.type === 'int64') return 'int64';
  if (v.type === 'int32') return 'int32';
  throw new ModelSignatureError(file, `input '${v.name}' has type ${v.type}; expected int64 or int32 token ids`);
}
