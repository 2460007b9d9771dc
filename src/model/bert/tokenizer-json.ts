// Builds a Hugging Face tokenizer.json (and tokenizer_config.json) for a BERT WordPiece vocab,
// exactly in the shape `tokenizers` writes for bert-base-uncased / all-MiniLM-L6-v2.
// Key order is fixed, so JSON.stringify gives the same bytes every run.

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export interface BertTokenizerJsonOptions {
  lowercase?: boolean;
  /** Written into the tokenizer.json truncation section when set (HF exports often carry one). */
  truncationMaxLength?: number;
}

/** `vocab[i]` is the token with id i (the order of a BERT vocab.txt). */
export function bertTokenizerJson(vocab: readonly string[], opts: BertTokenizerJsonOptions = {}): Record<string, unknown> {
  const lowercase = opts.lowercase ?? true;
  const ids: Record<string, number> = {};
  vocab.forEach((t, i) => {
    ids[t] = i;
  });
  for (const s of SPECIALS) {
    if (ids[s] === undefined) throw new Error(`BERT vocab lacks the special token ${s}`);
  }
  const special = (id: string): Record<string, unknown> => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: opts.truncationMaxLength
      ? { direction: 'Right', max_length: opts.truncationMaxLength, strategy: 'LongestFirst', stride: 0 }
      : null,
    padding: null,
    added_tokens: [...SPECIALS]
      .map((s) => ({ id: ids[s], content: s, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }))
      .sort((a, b) => a.id - b.id),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [
        special('[CLS]'),
        { Sequence: { id: 'A', type_id: 0 } },
        special('[SEP]'),
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}

/** tokenizer_config.json as transformers.js reads it. */
export function bertTokenizerConfig(modelMaxLength: number, lowercase = true): Record<string, unknown> {
  return {
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    do_basic_tokenize: true,
    do_lower_case: lowercase,
    mask_token: '[MASK]',
    model_max_length: modelMaxLength,
    never_split: null,
    pad_token: '[PAD]',
    sep_token: '[SEP]',
    strip_accents: null,
    tokenize_chinese_chars: true,
    tokenizer_class: 'BertTokenizer',
    unk_token: '[UNK]',
  };
}

export const BERT_SPECIAL_TOKENS_MAP = {
  cls_token: '[CLS]',
  mask_token: '[MASK]',
  pad_token: '[PAD]',
  sep_token: '[SEP]',
  unk_token: '[UNK]',
};
