// Some remote failures are about the call, not the rows: a wrong API key, an unknown function, a
// column the function does not take, or a server that was never reachable. The engine would retry
// and then bisect such a chunk row by row (2n − 1 requests, each failing the same way) and hand back
// a table of failed rows. Instead, the first such error aborts the whole call and is what the caller
// gets, with its clear message. Row-level and transient failures still go through the engine.
import { CancelledError } from '../core/errors';
import type { BatchFunction } from '../core/types';
import { QueueStayedFullError, RemoteAuthError, RemoteHttpError, RemoteNetworkError, RemoteProtocolError, ServerUnavailableError, UnknownFunctionError } from './errors';

/** True for errors that every chunk of this call would hit the same way. */
function isCallFatal(err: unknown, serverReached: boolean): boolean {
  if (err instanceof RemoteAuthError || err instanceof UnknownFunctionError || err instanceof RemoteProtocolError) return true;
  // The queue stayed full through every Retry-After we were willing to wait: bisecting would only
  // wait again per half. Fail the call; the caller lowers concurrency or comes back later.
  if (err instanceof QueueStayedFullError) return true;
  // Likewise a queue store that stayed down through every Retry-After: every chunk needs it.
  if (err instanceof ServerUnavailableError) return true;
  // 400 = schema mismatch / malformed input: the same columns go with every chunk.
  if (err instanceof RemoteHttpError && err.status === 400) return true;
  // Unreachable before any answer: a wrong URL or a server that is down, not a blip mid-run.
  if (err instanceof RemoteNetworkError && !serverReached) return true;
  return false;
}

export interface FatalGuard<T> {
  fn: BatchFunction<T>;
  /** Pass to the engine (combined with the caller's own signal). */
  signal: AbortSignal;
  /** The fatal error, once one happened. */
  fatal(): unknown;
  /** Rethrows the fatal error in place of the engine's CancelledError; other errors pass. */
  translate(err: unknown): unknown;
  dispose(): void;
}

/**
 * @param answered how many HTTP answers the transport has had so far; a network error after the
 * server answered this call once is a blip (retried by the engine), not a wrong URL.
 */
export function guardFatal<T>(inner: BatchFunction<T>, userSignal: AbortSignal | undefined, answered: () => number): FatalGuard<T> {
  const ac = new AbortController();
  let fatalError: unknown;
  const startAnswers = answered();
  const forward = () => ac.abort(userSignal?.reason);
  if (userSignal?.aborted) forward();
  else userSignal?.addEventListener('abort', forward, { once: true });

  const fn: BatchFunction<T> = async (args, ctx) => {
    try {
      return await inner(args, ctx);
    } catch (err) {
      if (fatalError === undefined && !ac.signal.aborted && isCallFatal(err, answered() > startAnswers)) {
        fatalError = err;
        ac.abort(new CancelledError('call'));
      }
      throw err;
    }
  };
  return {
    fn,
    signal: ac.signal,
    fatal: () => fatalError,
    translate: (err) => (fatalError !== undefined && err instanceof CancelledError ? fatalError : err),
    dispose: () => userSignal?.removeEventListener('abort', forward),
  };
}
