// The byte budget for held results: finished results wait in the store until their client reads
// them (or resultTtlMs passes), so a client that submits faster than it reads — or never reads —
// could fill the server's memory (or Redis's). Past the budget, submits answer 429 with Retry-After
// until reads free room; clients wait it out like a full queue. Calls already accepted still finish.
import { ResultBudgetError } from './errors';

/** Default budget: 1 GiB of held results (≈ 650,000 rows of 384-d float32). */
export const DEFAULT_MAX_HELD_RESULT_BYTES = 1024 ** 3;

/**
 * The wait a 429 asks for: reads free results within a round trip or two, and a waiting client
 * only needs to come back once some have been read.
 */
const RESULT_BUDGET_RETRY_MS = 500;

/** Throws ResultBudgetError (429) when `heldBytes` has reached `maxBytes`. */
export function checkResultBudget(heldBytes: number, maxBytes: number): void {
  if (heldBytes >= maxBytes) throw new ResultBudgetError(heldBytes, maxBytes, RESULT_BUDGET_RETRY_MS);
}
