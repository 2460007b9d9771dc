// sentence-transformers' module files → how to turn token states into one vector per text, as
// SentenceTransformer(...) does: the Pooling module's modes (1_Pooling/config.json), a Normalize
// module (modules.json), max_seq_length (sentence_bert_config.json) and named prompts
// (config_sentence_transformers.json). Runtime-neutral; the registry reads the files.
import { EmbedbookError } from '../core/errors';
import { ModelFileProblemError } from './pipeline/errors';

/** Pooling modes in sentence-transformers' concatenation order. */
export const POOLING_MODES = ['cls', 'max', 'mean', 'mean_sqrt_len', 'weightedmean', 'lasttoken'] as const;
export type PoolingMode = (typeof POOLING_MODES)[number];

export interface PoolingSpec {
  /** One or more modes; several are concatenated (dimension × modes), as sentence-transformers does. */
  modes: PoolingMode[];
  normalize: boolean;
}

/** Without sentence-transformers files: mean pooling + L2 normalisation (all-MiniLM-L6-v2's recipe). */
export const DEFAULT_POOLING: PoolingSpec = { modes: ['mean'], normalize: true };

export interface SentenceTransformerConfig {
  pooling: PoolingSpec;
  /** sentence_bert_config.json's max_seq_length, when given. */
  maxSeqLength?: number;
  /** Named prompts (e.g. { query: 'query: ', passage: 'passage: ' }). */
  prompts: Record<string, string>;
  /** The prompt used when none is picked (config_sentence_transformers.json's default_prompt_name). */
  defaultPromptName?: string;
}

/** A sentence-transformers file asks for something this runtime cannot do (or is malformed). */
export class UnsupportedModelConfigError extends ModelFileProblemError {
  override readonly name = 'UnsupportedModelConfigError';
}

/** The picked prompt name is not among the model's prompts. */
class UnknownPromptError extends EmbedbookError {
  override readonly name = 'UnknownPromptError';
  constructor(
    readonly prompt: string,
    readonly available: readonly string[],
  ) {
    super(
      `prompt ${JSON.stringify(prompt)} is not one of this model's prompts (config_sentence_transformers.json): ` +
        (available.length ? `use one of ${available.map((p) => JSON.stringify(p)).join(', ')}` : 'this model defines none; leave the prompt unset'),
    );
  }
  override details(): Record<string, unknown> {
    return { prompt: this.prompt, available: this.available };
  }
}

/** The 1_Pooling/config.json key that switches each mode on. */
export const POOLING_CONFIG_KEYS: Record<PoolingMode, string> = {
  cls: 'pooling_mode_cls_token',
  max: 'pooling_mode_max_tokens',
  mean: 'pooling_mode_mean_tokens',
  mean_sqrt_len: 'pooling_mode_mean_sqrt_len_tokens',
  weightedmean: 'pooling_mode_weightedmean_tokens',
  lasttoken: 'pooling_mode_lasttoken',
};

interface StModule {
  type?: unknown;
  path?: unknown;
}

/** The Pooling module's folder from modules.json ('1_Pooling' when there is no modules.json). */
export function poolingPath(modules: unknown): string | undefined {
  if (modules === undefined) return '1_Pooling';
  const list = checkModules(modules);
  const pooling = list.find((m) => typeof m.type === 'string' && m.type.endsWith('.Pooling'));
  return typeof pooling?.path === 'string' ? pooling.path.replace(/^\.?\/*|\/+$/g, '') : undefined;
}

function checkModules(modules: unknown): StModule[] {
  if (!Array.isArray(modules)) throw new UnsupportedModelConfigError('modules.json', 'expected a JSON array of { idx, name, path, type } modules');
  return modules as StModule[];
}

const SUPPORTED_MODULES = ['.Transformer', '.Pooling', '.Normalize'];

/**
 * Reads the parsed sentence-transformers files (undefined = absent). Refuses modules that would
 * change the vectors and that we cannot run (Dense, LayerNorm, …) and pooling options we do not
 * implement, rather than returning different embeddings than sentence-transformers.
 */
export function readSentenceTransformerConfig(files: {
  modules?: unknown;
  pooling?: unknown;
  poolingFile?: string;
  sentenceBert?: unknown;
  stConfig?: unknown;
}): SentenceTransformerConfig {
  const out: SentenceTransformerConfig = { pooling: { ...DEFAULT_POOLING, modes: [...DEFAULT_POOLING.modes] }, prompts: {} };
  if (files.modules !== undefined) {
    const modules = checkModules(files.modules);
    const other = modules.filter((m) => typeof m.type !== 'string' || !SUPPORTED_MODULES.some((s) => (m.type as string).endsWith(s)));
    if (other.length) {
      throw new UnsupportedModelConfigError(
        'modules.json',
        `modules ${other.map((m) => String(m.type)).join(', ')} are not supported (only Transformer, Pooling and Normalize): the embeddings would differ from sentence-transformers'. Export the model with those modules inside the ONNX graph (output 'sentence_embedding') instead`,
      );
    }
    out.pooling.normalize = modules.some((m) => (m.type as string).endsWith('.Normalize'));
  }
  if (files.pooling !== undefined) out.pooling.modes = readPooling(files.pooling, files.poolingFile ?? '1_Pooling/config.json');
  if (files.sentenceBert !== undefined) {
    const msl = (files.sentenceBert as { max_seq_length?: unknown } | null)?.max_seq_length;
    if (msl !== undefined && msl !== null) {
      if (!Number.isInteger(msl) || (msl as number) < 2) throw new UnsupportedModelConfigError('sentence_bert_config.json', `max_seq_length must be an integer ≥ 2, got ${JSON.stringify(msl)}`);
      out.maxSeqLength = msl as number;
    }
  }
  if (files.stConfig !== undefined) {
    const st = (files.stConfig ?? {}) as { prompts?: unknown; default_prompt_name?: unknown };
    if (st.prompts !== undefined && st.prompts !== null) {
      if (typeof st.prompts !== 'object' || Array.isArray(st.prompts) || Object.values(st.prompts).some((p) => typeof p !== 'string')) {
        throw new UnsupportedModelConfigError('config_sentence_transformers.json', 'prompts must be an object of name → prompt text');
      }
      out.prompts = { ...(st.prompts as Record<string, string>) };
    }
    if (typeof st.default_prompt_name === 'string' && st.default_prompt_name) {
      if (!(st.default_prompt_name in out.prompts)) throw new UnsupportedModelConfigError('config_sentence_transformers.json', `default_prompt_name ${JSON.stringify(st.default_prompt_name)} is not among its prompts`);
      out.defaultPromptName = st.default_prompt_name;
    }
  }
  return out;
}

function readPooling(config: unknown, file: string): PoolingMode[] {
  if (!config || typeof config !== 'object') throw new UnsupportedModelConfigError(file, 'expected a JSON object');
  const c = config as Record<string, unknown>;
  if (c.include_prompt === false) {
    throw new UnsupportedModelConfigError(file, 'include_prompt: false (pooling that skips the prompt tokens) is not supported; the embeddings would differ from sentence-transformers\'');
  }
  // Older configs name the mode in one string ("pooling_mode": "mean").
  if (typeof c.pooling_mode === 'string' && !POOLING_MODES.some((m) => c[POOLING_CONFIG_KEYS[m]] === true)) {
    const named = c.pooling_mode.replace(/_tokens?$/, '').replace(/^mean_sqrt_len$/, 'mean_sqrt_len') as PoolingMode;
    if (!POOLING_MODES.includes(named)) throw new UnsupportedModelConfigError(file, `pooling_mode ${JSON.stringify(c.pooling_mode)} is not one of ${POOLING_MODES.join(', ')}`);
    return [named];
  }
  const modes = POOLING_MODES.filter((m) => c[POOLING_CONFIG_KEYS[m]] === true);
  if (!modes.length) throw new UnsupportedModelConfigError(file, `no pooling mode is switched on; set one of ${Object.values(POOLING_CONFIG_KEYS).join(', ')} to true`);
  return modes;
}

/** The prompt text for `name` (default: the model's default prompt; '' when it has none). */
export function promptText(config: SentenceTransformerConfig, name: string | undefined): string {
  const pick = name ?? config.defaultPromptName;
  if (pick === undefined) return '';
  const text = config.prompts[pick];
  if (text === undefined) throw new UnknownPromptError(pick, Object.keys(config.prompts));
  return text;
}
