// Handler bundles for tests: the ES module text `embedbook deploy` would upload (what esbuild
// emits for a definition file), written out by hand so tests need no bundling step.

/** string length → float64, one value per row. */
export const LENGTH_BUNDLE = `export default { handler: async (text) => text.map((t) => t.length) };`;

/** Two columns: a + b (float64). */
export const ADD_BUNDLE = `export default { handler: async (a, b) => a.map((x, i) => x + b[i]) };`;

/** Per-row errors: rows whose text is 'bad' fail, others return their upper-case text. */
export const ROW_ERRORS_BUNDLE = `export default { handler: (text) => ({
  values: text.map((t) => t.toUpperCase()),
  errors: text.map((t) => (t === 'bad' ? 'cannot handle "bad"' : null)),
}) };`;

/** Throws for any batch containing 'poison': the batcher must isolate that row. */
export const POISON_BUNDLE = `export default { handler: (text) => {
  if (text.includes('poison')) throw new RangeError('poison row in batch');
  return text.map((t) => t.length);
} };`;

/** Waits `ms` then returns lengths: keeps a batch in flight so tests can observe queueing. */
export function slowBundle(ms: number): string {
  return `export default { handler: async (text) => { await new Promise((r) => setTimeout(r, ${ms})); return text.map((t) => t.length); } };`;
}

/** Sleeps `ms` per batch (a GPU batch stand-in), then answers row "r:<i>" with i * 3 (so a test checks each row's identity). */
export function sleepyBundle(ms: number): string {
  return `export default { handler: async (text) => { await new Promise((r) => setTimeout(r, ${ms})); return text.map((t) => Number(t.split(':')[1]) * 3); } };`;
}

/**
 * Fault injection: while the flag file exists, the first batch that sees it deletes it and kills
 * its worker (`process.exit` in a worker ends that thread) or hangs forever. Returns 'echo:' + text,
 * so a test can check every row's identity, not just a count. The flag lives on disk
 * so "first attempt only" holds across the replacement worker.
 */
export function faultBundle(flagFile: string, mode: 'exit' | 'hang' | 'throw-top-level'): string {
  return `import { existsSync, unlinkSync, appendFileSync } from 'node:fs';
const flag = ${JSON.stringify(flagFile)};
export default { handler: async (text, ctx) => {
  appendFileSync(flag + '.log', JSON.stringify({ rows: text, attempt: ctx.attempt }) + '\\n');
  if (existsSync(flag)) {
    unlinkSync(flag);
    ${mode === 'exit' ? 'process.exit(3);' : mode === 'hang' ? 'await new Promise(() => {}); // never resolves' : "setTimeout(() => { throw new Error('crash outside the handler'); }, 0); await new Promise(() => {});"}
  }
  return text.map((t) => 'echo:' + t);
} };`;
}
