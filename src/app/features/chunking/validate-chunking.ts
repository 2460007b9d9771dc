// Turns the Chunking cell's text fields into engine options, validated by the engine itself
// (planChunks + validateCallOptions) so the UI and the library can never disagree.
import { planChunks, validateCallOptions } from '../../../core/plan-chunks';
import type { ChunkPlan } from '../../../core/types';
import type { ChunkingChoice } from '../../../worker/api';
import type { ChunkingFields } from '../../stores/chunking-store';

export interface ChunkingValidation {
  /** Field → message, for inline errors. */
  errors: Partial<Record<keyof ChunkingFields, string>>;
  chunking: ChunkingChoice | null;
  concurrentChunks: number;
  timeout: number | null;
  retries: number;
  plan: ChunkPlan[] | null;
}

type Field = keyof Omit<ChunkingFields, 'mode'>;

/** The names the cell shows (the engine's camelCase never reaches the user), and each field's rule. */
const FIELD_RULES: Record<Field, { label: string; min: number; integer: boolean; optional: boolean }> = {
  chunkSize: { label: 'chunk_size', min: 1, integer: true, optional: false },
  numChunks: { label: 'num_chunks', min: 1, integer: true, optional: false },
  concurrentChunks: { label: 'concurrent_chunks', min: 1, integer: true, optional: false },
  timeout: { label: 'timeout', min: 0, integer: false, optional: true },
  retries: { label: 'retries', min: 0, integer: true, optional: false },
};

/**
 * One rule for every numeric field: a plain decimal number (no "1e3", "0x10", "Infinity"), whole
 * where the field counts things, at least its minimum (timeout: above 0). Empty is "unset" only
 * for timeout; elsewhere it is an error, never a silent default.
 */
function checkField(field: Field, text: string): { value?: number; error?: string } {
  const r = FIELD_RULES[field];
  const t = text.trim();
  const want = r.integer ? `a whole number ≥ ${r.min}` : `a number of seconds > ${r.min}, or empty for none`;
  if (t === '') return r.optional ? {} : { error: `${r.label} is required: enter ${want}.` };
  if (!/^\d+(\.\d+)?$/.test(t)) return { error: `${r.label} must be ${want}; got "${t}".` };
  const value = Number(t);
  if ((r.integer && !Number.isInteger(value)) || (r.integer ? value < r.min : value <= r.min) || !Number.isFinite(value)) {
    return { error: `${r.label} must be ${want}; got "${t}".` };
  }
  return { value };
}

/** An engine message in the cell's words (chunkSize → chunk_size, …), should one still get through. */
function message(err: unknown): string {
  let text = err instanceof Error ? err.message : String(err);
  for (const [field, r] of Object.entries(FIELD_RULES)) text = text.replaceAll(`\`${field}\``, r.label).replaceAll(field, r.label);
  return text;
}

export function validateChunking(f: ChunkingFields, rows: number): ChunkingValidation {
  const errors: ChunkingValidation['errors'] = {};
  const size = checkField(f.mode, f.mode === 'chunkSize' ? f.chunkSize : f.numChunks);
  let plan: ChunkPlan[] | null = null;
  let chunking: ChunkingChoice | null = null;
  if (size.error) errors[f.mode] = size.error;
  else {
    const value = size.value as number;
    try {
      // The engine's own check too, so the cell and the library can never disagree.
      plan = planChunks(Math.max(rows, 0), f.mode === 'chunkSize' ? { chunkSize: value } : { numChunks: value });
      chunking = f.mode === 'chunkSize' ? { mode: 'chunkSize', chunkSize: value } : { mode: 'numChunks', numChunks: value };
    } catch (err) {
      errors[f.mode] = message(err);
    }
  }
  const resolved = { concurrentChunks: 1, timeout: null as number | null, retries: 0 };
  for (const field of ['concurrentChunks', 'timeout', 'retries'] as const) {
    const c = checkField(field, f[field]);
    if (c.error) {
      errors[field] = c.error;
      continue;
    }
    try {
      const r = validateCallOptions({ [field]: c.value });
      if (field === 'timeout') resolved.timeout = r.timeout ?? null;
      else resolved[field] = r[field];
    } catch (err) {
      errors[field] = message(err);
    }
  }
  return { errors, chunking, plan, ...resolved };
}

/** Chunk sizes grouped for the preview: e.g. [{ rows: 64, count: 31 }, { rows: 16, count: 1 }]. */
export function sizeGroups(plan: ChunkPlan[]): Array<{ rows: number; count: number }> {
  const m = new Map<number, number>();
  for (const c of plan) m.set(c.rows, (m.get(c.rows) ?? 0) + 1);
  return [...m].map(([rows, count]) => ({ rows, count })).sort((a, b) => b.rows - a.rows);
}
