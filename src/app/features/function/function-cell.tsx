// Cell 2 — Function: where the embeddings are computed.
import { Cell } from '../../components/cell';
import { segmentOptions } from '../../components/segment-options';
import { Segmented } from '../../components/segmented';
import { useFunction, type BackendKind } from '../../stores/function-store';
import { LocalOptions } from './local-options';
import { RemoteOptions } from './remote-options';
import { useRemoteStatus } from './remote-queries';

const KINDS = segmentOptions<BackendKind>({ local: 'Local · this browser', remote: 'Remote · queue server' });

export function FunctionCell() {
  const { kind, set, remoteUrl, apiKey, functionName } = useFunction();
  const remote = useRemoteStatus(remoteUrl, apiKey, kind === 'remote');
  const remoteState =
    kind !== 'remote'
      ? null
      : remote.status === 'error'
        ? (['error', 'Unreachable'] as const)
        : remote.status === 'success'
          ? remote.data.functions.some((f) => f.name === functionName)
            ? (['ready', 'Connected'] as const)
            : (['warn', 'No function'] as const)
          : (['busy', 'Checking…'] as const);
  const [state, label] = remoteState ?? (['ready', 'Local'] as const);
  return (
    <Cell id="function" index={2} title="Function" state={state} stateLabel={label}>
      <div className="stack">
        <Segmented label="Backend" value={kind} options={KINDS} onChange={(k) => set({ kind: k })} testId="backend" />
        {kind === 'local' ? <LocalOptions /> : <RemoteOptions />}
      </div>
    </Cell>
  );
}
