// Runs inside a worker thread: loads function handlers (uploaded bundles or built-in models) and
// runs one batch at a time. Never runs on the server thread, so a handler that blocks, throws,
// leaks or calls process.exit() only costs this worker, which the pool replaces.
import { parentPort, workerData } from 'node:worker_threads';
import type { FnRef, FromWorker, ModelHandlerFactory, ToWorker, WorkerInit } from './protocol';
import { serializeError } from '../../core/errors';
import { toRowError } from '../../core/row-error';
import type { RowError } from '../../core/types';
import { BatchCancelledError, HandlerError } from '../errors';
import type { HandlerContext } from '../../protocol/define-function';
import { columnsToTable } from './columns-to-table';
import { checkAndPack } from './check-output';

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('worker-main.ts must run in a worker thread');

type Runner = (columns: unknown[][], ctx: HandlerContext) => Promise<unknown>;
const handlers = new Map<string, Promise<{ run: Runner; arity: number }>>();
/** Keys whose handler finished loading: their batches start without a 'started' message. */
const loaded = new Set<string>();
/** Function versions this worker was sent, by key: later batches name only the key. */
const refs = new Map<string, FnRef>();
/** Batches handed over behind the running one and cancelled since: answered as cancelled, not run. */
const skipped = new Set<number>();

async function load(fn: FnRef): Promise<{ run: Runner; arity: number }> {
  if (fn.model !== undefined) {
    if (!fn.modelModuleUrl) throw new HandlerError('InvalidBundleError', `no module for built-in model "${fn.model}"`);
    const mod = (await import(fn.modelModuleUrl)) as { createModelHandler?: ModelHandlerFactory };
    if (typeof mod.createModelHandler !== 'function') {
      throw new HandlerError('InvalidBundleError', `${fn.modelModuleUrl} does not export createModelHandler`);
    }
    const embed = await mod.createModelHandler({ model: fn.model, source: fn.modelSource, device: init.device, threads: init.threads, gpu: init.gpu });
    return { run: (columns) => embed(columns[0]), arity: 1 };
  }
  if (!fn.bundleUrl) throw new HandlerError('InvalidBundleError', 'no bundle was uploaded');
  const mod = (await import(fn.bundleUrl)) as { default?: { handler?: unknown }; handler?: unknown };
  const handler = mod.default?.handler ?? mod.handler;
  if (typeof handler !== 'function') {
    throw new HandlerError('InvalidBundleError', 'the module exports no handler (expected `export default defineFunction({ …, handler })`)');
  }
  const call = handler as (...args: unknown[]) => unknown;
  const names = Object.keys(fn.args);
  const run: Runner =
    fn.input === 'table'
      ? async (columns, ctx) => call(columnsToTable(names, fn.args, columns), ctx)
      : async (columns, ctx) => call(...columns, ctx);
  return { run, arity: call.length };
}

function handlerFor(fn: FnRef): Promise<{ run: Runner; arity: number }> {
  let h = handlers.get(fn.key);
  if (!h) {
    h = load(fn);
    handlers.set(fn.key, h);
    // A failed load is not cached: the next batch (maybe after a fix on disk) tries again.
    h.catch(() => handlers.delete(fn.key));
  }
  return h;
}

/** Accepts an array (or typed array) of per-row values, or `{ values, errors }` (errors: texts or `{ code, message }`). */
function normalise(out: unknown, rows: number): { values: unknown[]; errors?: (RowError | null)[] } {
  let values: unknown;
  let errors: unknown;
  if (Array.isArray(out) || ArrayBuffer.isView(out)) values = out;
  else if (out && typeof out === 'object' && 'values' in out) ({ values, errors } = out as { values: unknown; errors?: unknown });
  else throw new HandlerError('HandlerOutputError', `handler returned ${out === null ? 'null' : typeof out}; return one value per row (an array of ${rows}) or { values, errors }`);
  const list = Array.from(values as ArrayLike<unknown>);
  if (list.length !== rows) throw new HandlerError('HandlerOutputError', `handler returned ${list.length} values for a batch of ${rows} rows`);
  if (errors !== undefined && errors !== null) {
    // A text, or `{ code, message }` (a text's code is ROW_ERROR): core/row-error.ts.
    const errs = Array.from(errors as ArrayLike<unknown>, toRowError);
    if (errs.length !== rows) throw new HandlerError('HandlerOutputError', `handler returned ${errs.length} errors for a batch of ${rows} rows`);
    return { values: list, errors: errs };
  }
  return { values: list };
}

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

function refOf(fn: FnRef | string): FnRef {
  if (typeof fn !== 'string') return fn;
  const ref = refs.get(fn);
  if (!ref) throw new HandlerError('ProtocolError', `batch for ${fn}, a function version this worker was never sent`);
  return ref;
}

async function runBatch(msg: ToWorker & { type: 'run' }): Promise<void> {
  if (skipped.delete(msg.id)) {
    send({ type: 'error', id: msg.id, error: serializeError(new BatchCancelledError()) });
    return;
  }
  try {
    const fn = refOf(msg.fn);
    const h = await handlerFor(fn);
    if (!loaded.has(fn.key)) {
      loaded.add(fn.key);
      send({ type: 'started', id: msg.id });
    }
    const ctx: HandlerContext = {
      functionName: fn.name,
      version: fn.version,
      attempt: msg.attempt,
      rows: msg.rows,
      device: init.device,
      ...(init.gpu ? { gpu: init.gpu } : {}),
    };
    const t0 = performance.now();
    const raw = normalise(await h.run(msg.columns, ctx), msg.rows);
    const handlerMs = performance.now() - t0;
    const { packed, values, errors } = checkAndPack(raw, fn.output);
    if (packed) send({ type: 'result', id: msg.id, packed, errors, handlerMs }, [packed.data.buffer as ArrayBuffer]);
    else send({ type: 'result', id: msg.id, values, errors, handlerMs });
  } catch (err) {
    send({ type: 'error', id: msg.id, error: serializeError(err) });
  }
}

let batches: Promise<void> = Promise.resolve();

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'skip') {
    skipped.add(msg.id);
    return;
  }
  if (msg.type === 'unload') {
    handlers.delete(msg.key);
    loaded.delete(msg.key);
    refs.delete(msg.key);
    return;
  }
  if (msg.type === 'inspect') {
    handlerFor(msg.fn).then(
      (h) => send({ type: 'inspected', id: msg.id, arity: h.arity }),
      (err) => send({ type: 'error', id: msg.id, error: serializeError(err) }),
    );
    return;
  }
  // Batches run one after another, in the order the pool sent them: the pool hands a worker its
  // next batch before this one ends, so it can start it the moment it posts this one's result.
  const run = msg;
  if (typeof run.fn !== 'string') refs.set(run.fn.key, run.fn);
  batches = batches.then(() => runBatch(run));
});

send({ type: 'ready' });
