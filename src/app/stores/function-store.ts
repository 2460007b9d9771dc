// Function cell state: which backend, which device, which model, which server.
import { create } from 'zustand';
import type { BackendSpec, LocalDevice, ModelChoice } from '../../worker/api';

export type BackendKind = 'local' | 'remote';

interface FunctionState {
  kind: BackendKind;
  device: LocalDevice;
  model: ModelChoice;
  remoteUrl: string;
  apiKey: string;
  functionName: string;
  set(patch: Partial<Omit<FunctionState, 'set'>>): void;
}

/** Same origin `/api` is where `npm start` mounts the in-process queue. */
function defaultRemoteUrl(): string {
  return typeof location === 'undefined' ? 'http://127.0.0.1:7711' : `${location.origin}/api`;
}

const KEY_ITEM = 'embedbook.apiKey';

/** The API key lives for this tab only (sessionStorage survives a reload, not a new tab). */
function storedKey(): string {
  try {
    return sessionStorage.getItem(KEY_ITEM) ?? '';
  } catch {
    return '';
  }
}

export const useFunction = create<FunctionState>()((set) => ({
  kind: 'local',
  device: 'auto',
  model: { kind: 'default' },
  remoteUrl: defaultRemoteUrl(),
  apiKey: storedKey(),
  functionName: 'embed',
  set: (patch) => {
    if (patch.apiKey !== undefined) {
      try {
        sessionStorage.setItem(KEY_ITEM, patch.apiKey);
      } catch {
        // Storage disabled: the key is simply not remembered across a reload.
      }
    }
    set(patch);
  },
}));

export function backendSpec(s: Pick<FunctionState, 'kind' | 'device' | 'model' | 'remoteUrl' | 'apiKey' | 'functionName'>): BackendSpec {
  return s.kind === 'local'
    ? { kind: 'local', device: s.device, model: s.model }
    : { kind: 'remote', url: s.remoteUrl.trim().replace(/\/+$/, ''), apiKey: s.apiKey, functionName: s.functionName };
}
