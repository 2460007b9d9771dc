// What a poll or cancel for a call the store does not have answers: CallLostError (410) when the
// store lost it (restarted empty since the call was accepted: the client submits the rows again),
// else UnknownCallError (404: never existed, already read, or expired).
import { CallLostError, UnknownCallError } from './errors';
import type { QueueStore } from './store';

export async function missingCallError(store: QueueStore, callId: string): Promise<CallLostError | UnknownCallError> {
  return (await store.callLost?.(callId)) ? new CallLostError(callId) : new UnknownCallError(callId);
}
