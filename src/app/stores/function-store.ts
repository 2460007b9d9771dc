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
export function defaultRemoteUrl(): string {
  return typeof location === 'undefined' ? 'http://127.0.0.1:7711' : `${location.origin}/api`;
}

export const useFunction = create<FunctionState>()((set) => ({
  kind: 'local',
  device: 'auto',
  model: { kind: 'default' },
  remoteUrl: defaultRemoteUrl(),
  apiKey: '',
  functionName: 'embed',
  set: (patch) => set(patch),
}));

export function backendSpec(s: Pick<FunctionState, 'kind' | 'device' | 'model' | 'remoteUrl' | 'apiKey' | 'functionName'>): BackendSpec {
  return s.kind === 'local'
    ? { kind: 'local', device: s.device, model: s.model }
    : { kind: 'remote', url: s.remoteUrl.trim().replace(/\/+$/, ''), apiKey: s.apiKey, functionName: s.functionName };
}
