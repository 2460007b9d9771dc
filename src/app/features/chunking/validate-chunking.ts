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

/** "" stays undefined (so the engine reports the missing value); anything else is parsed. */
function num(text: string): number | undefined {
  const t = text.trim();
  return t === '' ? undefined : Number(t);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function validateChunking(f: ChunkingFields, rows: number): ChunkingValidation {
  const errors: ChunkingValidation['errors'] = {};
  const value = num(f.mode === 'chunkSize' ? f.chunkSize : f.numChunks);
  const opts = f.mode === 'chunkSize' ? { chunkSize: value as number } : { numChunks: value as number };
  let plan: ChunkPlan[] | null = null;
  let chunking: ChunkingChoice | null = null;
  try {
    // planChunks validates the value for any row count; 1 row stands in before data is loaded.
    plan = planChunks(Math.max(rows, 0), opts);
    chunking = f.mode === 'chunkSize' ? { mode: 'chunkSize', chunkSize: value as number } : { mode: 'numChunks', numChunks: value as number };
  } catch (err) {
    errors[f.mode] = message(err);
  }
  const call = { concurrentChunks: num(f.concurrentChunks), timeout: num(f.timeout), retries: num(f.retries) };
  const resolved = { concurrentChunks: 1, timeout: null as number | null, retries: 0 };
  for (const field of ['concurrentChunks', 'timeout', 'retries'] as const) {
    try {
      const r = validateCallOptions({ [field]: call[field] });
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
