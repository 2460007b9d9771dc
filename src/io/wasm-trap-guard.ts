// parquet-wasm's async APIs run their Rust futures from wasm-bindgen's microtask queue. If the Rust
// code panics there (a wasm trap, WebAssembly.RuntimeError), the exception is thrown from a
// queueMicrotask callback: nobody can catch it, the awaited promise never settles (a hang), and
// in Node the process dies. This guard turns such a trap, while `run` is in flight, into a
// rejection of `run`'s promise. It listens on the global error channel of the runtime:
// `uncaughtException` in Node, the cancelable `error` event in a Worker or page.

type Reject = (err: Error) => void;

const active = new Set<Reject>();
let detach: (() => void) | undefined;

const isTrap = (err: unknown): err is Error =>
  typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError;

function attach(): () => void {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (proc && typeof proc.on === 'function' && typeof proc.versions?.node === 'string') {
    const onUncaught = (err: unknown): void => {
      if (isTrap(err) && active.size > 0) {
        for (const reject of active) reject(err);
        return;
      }
      // Not ours: if nobody else handles uncaught exceptions, keep Node's default (crash).
      if (proc.listenerCount('uncaughtException') === 1) {
        proc.off('uncaughtException', onUncaught);
        detach = undefined;
        proc.nextTick(() => {
          throw err;
        });
      }
    };
    proc.on('uncaughtException', onUncaught);
    return () => proc.off('uncaughtException', onUncaught);
  }
  const target = globalThis as unknown as { addEventListener?: EventTarget['addEventListener']; removeEventListener?: EventTarget['removeEventListener'] };
  if (typeof target.addEventListener === 'function') {
    const onError = (event: Event): void => {
      const err = (event as ErrorEvent).error;
      if (isTrap(err) && active.size > 0) {
        event.preventDefault();
        for (const reject of active) reject(err);
      }
    };
    target.addEventListener('error', onError);
    return () => target.removeEventListener?.('error', onError);
  }
  return () => undefined;
}

/** Runs `run`; a wasm trap anywhere while it is in flight rejects it instead of escaping. */
export async function guardWasmTraps<T>(run: () => Promise<T>): Promise<T> {
  let reject!: Reject;
  const trapped = new Promise<never>((_, r) => {
    reject = r;
  });
  active.add(reject);
  detach ??= attach();
  try {
    return await Promise.race([run(), trapped]);
  } finally {
    active.delete(reject);
    if (active.size === 0) {
      detach?.();
      detach = undefined;
    }
  }
}
