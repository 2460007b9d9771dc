// The hub part of the model picker: a known model or any id, the endpoint (the hub or a mirror),
// what the repo says about itself before anything large is downloaded (size, dimension, licence),
// and the prompt / dtype choices.
import { useQuery } from '@tanstack/react-query';
import { DTYPES, type Dtype } from '../../../model/dtype';
import { fetchHubRepoInfo, type HubRepoInfo } from '../../../model/sources/hub-info';
import { checkEndpoint, parseHubId } from '../../../model/sources/hub';
import { useDebounced } from '../../lib/use-debounced';
import { useFunction } from '../../stores/function-store';
import type { ModelChoice } from '../../../worker/api';
import { KNOWN_MODELS } from './known-models';

type HubChoice = Extract<ModelChoice, { kind: 'hub' }>;

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function useHubInfo(model: HubChoice, webgpu: boolean) {
  const [id, endpoint, dtype] = useDebounced(`${model.id.trim()}\n${model.endpoint.trim()}\n${model.dtype ?? ''}`, 400).split('\n');
  let valid = Boolean(parseHubId(id));
  try {
    checkEndpoint(endpoint);
  } catch {
    valid = false;
  }
  return useQuery<HubRepoInfo, Error>({
    queryKey: ['hub-info', endpoint, id, dtype, webgpu],
    enabled: valid,
    retry: false,
    staleTime: 60_000,
    queryFn: ({ signal }) =>
      fetchHubRepoInfo(id, { endpoint }, { signal, dtype: (dtype || undefined) as Dtype | undefined, defaultDtype: webgpu ? 'fp32' : 'q8' }),
  });
}

export function HubModelOptions({ model }: { model: HubChoice }) {
  const set = useFunction((s) => s.set);
  const device = useFunction((s) => s.device);
  const info = useHubInfo(model, device === 'webgpu');
  const update = (patch: Partial<HubChoice>) => set({ model: { ...model, ...patch } });
  const known = KNOWN_MODELS.find((m) => m.id === model.id);
  return (
    <div className="stack">
      <label className="field">
        <span className="field__label">Model</span>
        <select value={known ? model.id : ''} data-testid="model-known" onChange={(e) => e.target.value && update({ id: e.target.value, prompt: undefined })}>
          <option value="">Other id…</option>
          {KNOWN_MODELS.map((m) => (
            <option key={m.id} value={m.id}>
              {m.id} — {m.note}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field__label">Hugging Face id (org/name or org/name@revision)</span>
        <input value={model.id} placeholder="Xenova/all-MiniLM-L6-v2" data-testid="model-hub-id" onChange={(e) => update({ id: e.target.value, prompt: undefined })} />
      </label>
      <label className="field">
        <span className="field__label">Hub endpoint (the hub or a mirror)</span>
        <input value={model.endpoint} data-testid="model-hub-endpoint" onChange={(e) => update({ endpoint: e.target.value })} />
      </label>
      <p className="hint" data-testid="model-hub-info">
        {info.status === 'pending' && info.fetchStatus === 'idle'
          ? 'Enter a model id.'
          : info.status === 'pending'
            ? 'Reading the repo…'
            : info.status === 'error'
              ? `Could not read the repo: ${info.error.message}`
              : describe(info.data)}
      </p>
      <div className="row">
        <label className="field">
          <span className="field__label">Prompt</span>
          <select value={model.prompt ?? ''} data-testid="model-hub-prompt" onChange={(e) => update({ prompt: e.target.value || undefined })}>
            <option value="">Model default</option>
            {(info.data?.prompts ?? []).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Precision</span>
          <select value={model.dtype ?? ''} data-testid="model-hub-dtype" onChange={(e) => update({ dtype: (e.target.value || undefined) as Dtype | undefined })}>
            <option value="">Auto (q8 on WASM, fp32 on WebGPU)</option>
            {DTYPES.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
      </div>
    </div>
  );
}

function describe(i: HubRepoInfo): string {
  const parts = [
    i.modelFile ? `${i.modelFile}${i.externalDataFile ? ` + ${i.externalDataFile.slice(i.externalDataFile.lastIndexOf('/') + 1)}` : ''}${i.sizeBytes ? ` · ${mb(i.sizeBytes)}` : ''}` : 'no ONNX file found under onnx/',
    i.dimension ? `${i.dimension} dimensions` : 'dimension unknown',
    `licence ${i.license ?? 'not stated'}`,
    i.architecture,
    i.prompts.length ? `prompts: ${i.prompts.join(', ')}` : undefined,
  ];
  return parts.filter(Boolean).join(' · ');
}
