// Model choice for the local backend: the built-in default (Universal Sentence Encoder lite,
// 512-d), a Hugging Face id (known models or any id, on the hub or a mirror), or a model in
// Hugging Face layout from a URL or dropped files.
import { useState, type DragEvent } from 'react';
import { segmentOptions } from '../../components/segment-options';
import { Segmented } from '../../components/segmented';
import { useFunction } from '../../stores/function-store';
import { useRun } from '../../stores/run-store';
import { HubModelOptions } from './hub-model-options';
import { KNOWN_MODELS, pageHubEndpoint } from './known-models';

type Kind = 'default' | 'hub' | 'url' | 'files';
const KINDS = segmentOptions<Kind>({ default: 'Default', hub: 'Hugging Face id', url: 'BERT · URL', files: 'BERT · files' });

export function ModelPicker() {
  const model = useFunction((s) => s.model);
  const set = useFunction((s) => s.set);
  const [url, setUrl] = useState(model.kind === 'url' ? model.url : '');
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    const files = [...(e.dataTransfer.files ?? [])];
    if (files.length) set({ model: { kind: 'files', files } });
  };
  return (
    <div className="stack">
      <div className="field">
        <span className="field__label">Model</span>
        <Segmented
          label="Model"
          value={model.kind}
          options={KINDS}
          testId="model-kind"
          onChange={(k) =>
            set({
              model:
                k === 'default'
                  ? { kind: 'default' }
                  : k === 'hub'
                    ? { kind: 'hub', id: KNOWN_MODELS[0].id, endpoint: pageHubEndpoint() }
                    : k === 'url'
                      ? { kind: 'url', url }
                      : { kind: 'files', files: [] },
            })
          }
        />
      </div>
      {model.kind === 'default' ? (
        <>
          <p className="hint">Universal Sentence Encoder lite, converted to ONNX at build time · 512 dimensions · served from /models/default/.</p>
          <DefaultPrecision dtype={model.dtype} onChange={(dtype) => set({ model: dtype ? { kind: 'default', dtype } : { kind: 'default' } })} />
        </>
      ) : null}
      {model.kind === 'hub' ? <HubModelOptions model={model} /> : null}
      {model.kind === 'url' ? (
        <label className="field">
          <span className="field__label">Model folder URL (Hugging Face layout: onnx/model.onnx, tokenizer.json, config.json)</span>
          <input
            value={url}
            placeholder="https://example.org/all-MiniLM-L6-v2/"
            data-testid="model-url"
            onChange={(e) => {
              setUrl(e.target.value);
              set({ model: { kind: 'url', url: e.target.value } });
            }}
          />
        </label>
      ) : null}
      {model.kind === 'files' ? (
        <div className="mini-drop" onDragOver={(e) => e.preventDefault()} onDrop={onDrop} data-testid="model-drop">
          <span>Drop model.onnx, tokenizer.json and config.json here, or</span>
          <input type="file" multiple accept=".onnx,.json" onChange={(e) => set({ model: { kind: 'files', files: [...(e.target.files ?? [])] } })} />
          {model.files.length ? <span className="muted">{model.files.map((f) => f.name).join(', ')}</span> : null}
        </div>
      ) : null}
    </div>
  );
}

/**
 * fp32 (model.onnx) or the int8 file the build writes next to it (model.int8.onnx). fp32 stays
 * the default: its vectors are the reference every other backend is compared with.
 */
function DefaultPrecision({ dtype, onChange }: { dtype: 'q8' | undefined; onChange(dtype: 'q8' | undefined): void }) {
  // The file the last local run loaded, from its backend label (LocalRuntime names it there).
  const ranFile = useRun((s) => (s.backend && s.backend.device !== 'remote' ? /model[\w.]*\.onnx/.exec(s.backend.label)?.[0] : undefined));
  return (
    <div className="stack">
      <label className="field">
        <span className="field__label">Precision</span>
        <select value={dtype ?? 'fp32'} data-testid="model-default-dtype" onChange={(e) => onChange(e.target.value === 'q8' ? 'q8' : undefined)}>
          <option value="fp32">fp32 · model.onnx, 28 MB</option>
          <option value="q8">int8 · model.int8.onnx, 19 MB</option>
        </select>
      </label>
      <p className="hint">
        int8 downloads a third less and ran 1.7× the fp32 rows/s in this app's WASM workers (2.4× in Node); its vectors differ slightly from fp32 (cosine ≥ 0.99), so runs in the two precisions are not mixed.
      </p>
      {ranFile ? (
        <p className="hint" data-testid="model-ran-file">
          Last run loaded {ranFile} ({ranFile.includes('int8') ? 'int8' : 'fp32'}).
        </p>
      ) : null}
    </div>
  );
}
