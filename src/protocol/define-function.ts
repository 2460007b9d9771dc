// defineFunction: the authoring API of a queue function (re-exported by the package entry), and
// validateSpec: the server's check of the JSON definition the CLI uploads. Pure TypeScript, no
// node:* imports, so a definition file bundles for any runtime.
import { InvalidDefinitionError, ScalarHandlerError } from './errors';
import { ARG_TYPES, OUTPUT_TYPES, type ArgType, type ScalarArgType, type OutputType, type Resources, type HandlerContext, type FunctionSpec, type FunctionDefinition } from './function-types';

export { ARG_TYPES, OUTPUT_TYPES };
export type { ArgType, ScalarArgType, OutputType, Resources, HandlerContext, FunctionSpec, FunctionDefinition };

const SCALAR_TYPES: readonly string[] = ['string', 'number', 'boolean', 'json', 'object', 'any'];

export const DEFAULTS = { maxBatchingSize: 32, maxBufferDuration: 100, retries: 3 } as const;
const NAME_RE = /^[A-Za-z][\w.-]{0,63}$/;
const ARG_NAME_RE = /^[A-Za-z_][\w]*$/;
const MEMORY_RE = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$/;
const MEMORY_UNITS: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
/** A worker below this cannot even load its handler: smaller `resources.memory` is refused. */
export const MIN_MEMORY_MB = 64;
/** The heap limit of a handler's workers when `resources.memory` is not given. */
export const DEFAULT_MEMORY_MB = 1024;

/** A validated `resources.memory` quantity in MiB (rounded down); DEFAULT_MEMORY_MB when absent. */
export function memoryMb(quantity: string | undefined): number {
  if (quantity === undefined) return DEFAULT_MEMORY_MB;
  const m = /^(\d+(?:\.\d+)?)([KMGT]i?)?$/.exec(quantity);
  if (!m) throw new InvalidDefinitionError('resources.memory', `must be a quantity like "4Gi" or "512Mi", got ${JSON.stringify(quantity)}.`);
  return Math.floor((Number(m[1]) * MEMORY_UNITS[m[2] ?? '']) / 2 ** 20);
}

/** Validates a definition where it is written (fails fast at import) and returns it unchanged. */
export function defineFunction<D extends FunctionDefinition>(definition: D): D {
  validateSpec(toFunctionSpec(definition), { hasHandler: typeof definition.handler === 'function' });
  if (definition.handler !== undefined && typeof definition.handler !== 'function') {
    throw new InvalidDefinitionError('handler', `must be a function, got ${typeof definition.handler}.`);
  }
  return definition;
}

/** The JSON-safe spec of a definition (drops the handler): what the CLI uploads as `definition`. */
export function toFunctionSpec(definition: FunctionDefinition): Record<string, unknown> {
  const { handler: _handler, ...rest } = definition;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

function positiveInt(value: unknown, field: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidDefinitionError(field, `must be an integer ≥ ${min}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * Checks an uploaded (untrusted) definition and fills defaults. `hasHandler` says whether code came
 * with it (a bundle); a definition needs exactly one of `model` or a handler.
 */
export function validateSpec(raw: unknown, opts: { hasHandler: boolean }): FunctionSpec {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidDefinitionError('definition', `must be an object, got ${raw === null ? 'null' : typeof raw}.`);
  }
  const d = raw as Record<string, unknown>;
  const name = d.name;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new InvalidDefinitionError('name', `must match ${NAME_RE} (letters, digits, _ . -), got ${JSON.stringify(name)}.`);
  }
  if (d.batch === false) throw new ScalarHandlerError(name, '`batch: false` (a handler that takes one row)');

  const argsRaw = d.args ?? { text: 'string[]' };
  if (typeof argsRaw !== 'object' || argsRaw === null || Array.isArray(argsRaw)) {
    throw new InvalidDefinitionError('args', `must map argument names to column types (${ARG_TYPES.join(', ')}), got ${JSON.stringify(argsRaw)}.`);
  }
  const args: Record<string, ArgType> = {};
  for (const [arg, type] of Object.entries(argsRaw as Record<string, unknown>)) {
    // Identifiers only: integer-like keys would be reordered by JavaScript, and order is the
    // handler's parameter order.
    if (!ARG_NAME_RE.test(arg)) throw new InvalidDefinitionError(`args.${arg}`, `is not a valid argument name (letters, digits and _, not starting with a digit).`);
    if (typeof type === 'string' && SCALAR_TYPES.includes(type)) {
      throw new ScalarHandlerError(name, `argument "${arg}" as a scalar "${type}" (use "${type === 'object' || type === 'any' ? 'json' : type}[]")`);
    }
    if (!ARG_TYPES.includes(type as ArgType)) {
      throw new InvalidDefinitionError(`args.${arg}`, `must be one of ${ARG_TYPES.join(', ')}, got ${JSON.stringify(type)}.`);
    }
    args[arg] = type as ArgType;
  }
  if (Object.keys(args).length === 0) throw new InvalidDefinitionError('args', 'must declare at least one argument column.');

  const input = d.input ?? 'columns';
  if (input !== 'columns' && input !== 'table') {
    throw new InvalidDefinitionError('input', `must be "columns" or "table", got ${JSON.stringify(input)}.`);
  }
  const maxBatchingSize = positiveInt(d.maxBatchingSize, 'maxBatchingSize', DEFAULTS.maxBatchingSize);
  const maxBufferDuration = positiveInt(d.maxBufferDuration, 'maxBufferDuration', DEFAULTS.maxBufferDuration, 0);
  const retries = positiveInt(d.retries, 'retries', DEFAULTS.retries, 0);
  const batchTimeoutMs = d.batchTimeoutMs === undefined ? undefined : positiveInt(d.batchTimeoutMs, 'batchTimeoutMs', 0);

  const res = d.resources ?? {};
  if (typeof res !== 'object' || res === null || Array.isArray(res)) {
    throw new InvalidDefinitionError('resources', `must be an object like { cpu: 2, memory: "4Gi", gpu: "nvidia-l4" }, got ${JSON.stringify(res)}.`);
  }
  const r = res as Record<string, unknown>;
  const resources: Resources = {};
  if (r.cpu !== undefined) {
    if (typeof r.cpu !== 'number' || !(r.cpu > 0)) throw new InvalidDefinitionError('resources.cpu', `must be a positive number, got ${JSON.stringify(r.cpu)}.`);
    resources.cpu = r.cpu;
  }
  if (r.memory !== undefined) {
    if (typeof r.memory !== 'string' || !MEMORY_RE.test(r.memory)) throw new InvalidDefinitionError('resources.memory', `must be a quantity like "4Gi" or "512Mi", got ${JSON.stringify(r.memory)}.`);
    if (memoryMb(r.memory) < MIN_MEMORY_MB) throw new InvalidDefinitionError('resources.memory', `must be at least ${MIN_MEMORY_MB}Mi (a worker needs that much to load a handler), got ${JSON.stringify(r.memory)}.`);
    resources.memory = r.memory;
  }
  if (r.gpu !== undefined && r.gpu !== null && r.gpu !== '') {
    if (typeof r.gpu !== 'string') throw new InvalidDefinitionError('resources.gpu', `must be a GPU kind string like "nvidia-l4" or "any", got ${JSON.stringify(r.gpu)}.`);
    resources.gpu = r.gpu;
  }

  const model = d.model;
  if (model !== undefined && (typeof model !== 'string' || !model)) {
    throw new InvalidDefinitionError('model', `must be "default", a Hugging Face id such as "Xenova/all-MiniLM-L6-v2" or a model folder, got ${JSON.stringify(model)}.`);
  }
  if (model !== undefined && opts.hasHandler) throw new InvalidDefinitionError('model', 'and `handler` are exclusive: give one.');
  if (model === undefined && !opts.hasHandler) throw new InvalidDefinitionError('handler', 'is missing: give a batch handler (bundled by `embedbook deploy`) or `model: "default"`.');
  if (model !== undefined && (Object.keys(args).join() !== 'text' || args.text !== 'string[]')) {
    throw new InvalidDefinitionError('args', `of a built-in model function must be { text: "string[]" }, got ${JSON.stringify(args)}.`);
  }

  const output = d.output ?? (model !== undefined ? 'float32[]' : undefined);
  if (output !== undefined && !OUTPUT_TYPES.includes(output as OutputType)) {
    throw new InvalidDefinitionError('output', `must be one of ${OUTPUT_TYPES.join(', ')}, got ${JSON.stringify(output)}.`);
  }
  return {
    name, args, input, maxBatchingSize, maxBufferDuration, retries, resources,
    ...(model !== undefined ? { model: model as string } : {}),
    ...(output !== undefined ? { output: output as OutputType } : {}),
    ...(batchTimeoutMs !== undefined ? { batchTimeoutMs } : {}),
  };
}
