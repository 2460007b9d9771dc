// Deterministic tiny ONNX models for the pipeline's own tests (built with onnx-proto, no
// downloads): a BERT-shaped one that returns per-token states and a pooled one shaped like the
// default model. Their outputs are simple enough to compute by hand in the tests.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

export interface TinyModelOptions {
  vocab?: number;
  hidden?: number;
  /** Declare token_type_ids as a third input (BERT). */
  tokenTypes?: boolean;
  /** 'token' → last_hidden_state [b,s,h]; 'pooled' → sentence_embedding [b,h] (masked sum, L2-normalised). */
  output?: 'token' | 'pooled';
  idType?: 'int64' | 'int32';
  /** Override input names (to test signature errors). */
  inputNames?: string[];
}

/** Embedding table value for token v, component j: deterministic and distinct. */
export function tinyEmbedding(v: number, j: number, hidden: number): number {
  return Math.sin(v * 0.7 + j * 1.3) + (j === v % hidden ? 1 : 0);
}

export function buildTinyModel(opts: TinyModelOptions = {}): Uint8Array {
  const vocab = opts.vocab ?? 64;
  const hidden = opts.hidden ?? 8;
  const idType = opts.idType === 'int32' ? T.INT32 : T.INT64;
  const names = opts.inputNames ?? ['input_ids', 'attention_mask', ...(opts.tokenTypes ? ['token_type_ids'] : [])];
  const table = new Float32Array(vocab * hidden);
  for (let v = 0; v < vocab; v++) for (let j = 0; j < hidden; j++) table[v * hidden + j] = tinyEmbedding(v, j, hidden);

  const dims = (...d: Array<number | string>) => ({
    dim: d.map((x) => (typeof x === 'number' ? { dimValue: x } : { dimParam: x })),
  });
  const io = (name: string, elemType: number, shape: ReturnType<typeof dims>) => ({
    name,
    type: { tensorType: { elemType, shape } },
  });
  const nodes: ReturnType<typeof onnx.NodeProto.create>[] = [];
  const initializer = [
    onnx.TensorProto.create({ name: 'E', dataType: T.FLOAT, dims: [vocab, hidden], rawData: new Uint8Array(table.buffer) }),
  ];
  const [ids, mask, types] = names;
  nodes.push(onnx.NodeProto.create({ opType: 'Gather', input: ['E', ids], output: ['tok'], attribute: [] }));
  let tokenOut = 'tok';
  if (types) {
    // token_type_ids add a constant offset per type so feeding them visibly matters.
    const typeTable = new Float32Array(2 * hidden).fill(0);
    typeTable.fill(0.5, hidden);
    initializer.push(onnx.TensorProto.create({ name: 'TT', dataType: T.FLOAT, dims: [2, hidden], rawData: new Uint8Array(typeTable.buffer) }));
    nodes.push(onnx.NodeProto.create({ opType: 'Gather', input: ['TT', types], output: ['typ'] }));
    nodes.push(onnx.NodeProto.create({ opType: 'Add', input: ['tok', 'typ'], output: ['tok2'] }));
    tokenOut = 'tok2';
  }
  const outputs = [];
  if (opts.output === 'pooled') {
    initializer.push(onnx.TensorProto.create({ name: 'axes2', dataType: T.INT64, dims: [1], int64Data: [2] }));
    initializer.push(onnx.TensorProto.create({ name: 'axes1', dataType: T.INT64, dims: [1], int64Data: [1] }));
    nodes.push(onnx.NodeProto.create({ opType: 'Cast', input: [mask], output: ['maskf'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }] }));
    nodes.push(onnx.NodeProto.create({ opType: 'Unsqueeze', input: ['maskf', 'axes2'], output: ['mask3'] }));
    nodes.push(onnx.NodeProto.create({ opType: 'Mul', input: [tokenOut, 'mask3'], output: ['masked'] }));
    nodes.push(onnx.NodeProto.create({ opType: 'ReduceSum', input: ['masked', 'axes1'], output: ['summed'], attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] }));
    nodes.push(onnx.NodeProto.create({ opType: 'LpNormalization', input: ['summed'], output: ['sentence_embedding'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }, { name: 'p', type: onnx.AttributeProto.AttributeType.INT, i: 2 }] }));
    outputs.push(io('sentence_embedding', T.FLOAT, dims('batch', hidden)));
  } else {
    // The mask is an input the graph must consume; Identity keeps it alive without changing output.
    nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [tokenOut], output: ['last_hidden_state'] }));
    nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [mask], output: ['mask_echo'] }));
    outputs.push(io('last_hidden_state', T.FLOAT, dims('batch', 'seq', hidden)));
    outputs.push(io('mask_echo', idType, dims('batch', 'seq')));
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'embedbook-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny',
      node: nodes,
      initializer,
      input: names.map((n) => io(n, idType, dims('batch', 'seq'))),
      output: outputs,
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * A deterministic character-level tokenizer for pipeline tests (the real WordPiece and
 * SentencePiece tokenizers have their own suites): [CLS]=1 … chars … [SEP]=2, pad 0.
 */
export function charTokenizer(maxLength = 16, vocab = 64): import('../types').Tokenizer {
  return {
    kind: 'wordpiece',
    maxLength,
    padId: 0,
    encode(text: string) {
      const body = Array.from(text, (c) => 3 + ((c.codePointAt(0) ?? 0) % (vocab - 3)));
      const truncated = body.length > maxLength - 2;
      return { ids: Int32Array.from([1, ...body.slice(0, maxLength - 2), 2]), truncated };
    },
  };
}
