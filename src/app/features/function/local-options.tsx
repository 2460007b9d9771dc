// Local backend: device choice and an honest account of which device runs and why.
import { segmentOptions } from '../../components/segment-options';
import { Segmented } from '../../components/segmented';
import type { LocalDevice } from '../../../worker/api';
import { useFunction } from '../../stores/function-store';
import { useRun } from '../../stores/run-store';
import { wasmPlanLabel } from '../../../worker/wasm-threads';
import { useDeviceProbe } from './device-probe';
import { ModelPicker } from './model-picker';

const DEVICES = segmentOptions<LocalDevice>({ auto: 'Auto', webgpu: 'WebGPU', wasm: 'WASM' });

export function LocalOptions() {
  const device = useFunction((s) => s.device);
  const set = useFunction((s) => s.set);
  const ran = useRun((s) => (s.backend && s.backend.device !== 'remote' ? s.backend : null));
  const probe = useDeviceProbe();
  const expected = !probe
    ? 'Checking this browser…'
    : device === 'wasm' || (device === 'auto' && !probe.webgpu)
      ? `WASM, ${wasmPlanLabel(probe.wasm)}, SIMD${probe.isolated ? ', cross-origin isolated' : ' (not cross-origin isolated: 1 thread per worker)'}${device === 'auto' ? ` — ${probe.detail}` : ' — chosen explicitly'}`
      : `WebGPU — ${probe.detail}`;
  return (
    <div className="stack">
      <div className="field">
        <span className="field__label">Device</span>
        <Segmented label="Device" value={device} options={DEVICES} onChange={(d) => set({ device: d })} testId="device" />
      </div>
      <div className="device-note" data-testid="device-info">
        {ran ? (
          <>
            <span className="tag tag--ok" data-testid="device-actual">
              {ran.device}
            </span>{' '}
            ran: {ran.reason}
          </>
        ) : (
          <>
            <span className="tag">expected</span> {expected}
          </>
        )}
      </div>
      <ModelPicker />
    </div>
  );
}
