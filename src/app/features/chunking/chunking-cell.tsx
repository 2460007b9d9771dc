// Cell 3 — Chunking: chunk_size XOR num_chunks (a segmented toggle), concurrency, timeout,
// retries; validated live by the engine; chunk preview and the equivalent code.
import { Cell } from '../../components/cell';
import { segmentOptions } from '../../components/segment-options';
import { Segmented } from '../../components/segmented';
import { useChunking, type ChunkMode } from '../../stores/chunking-store';
import { useDataset } from '../../stores/dataset-store';
import { backendSpec, useFunction } from '../../stores/function-store';
import { ChunkPreview } from './chunk-preview';
import { chunkedCallCode } from './code-snippet';
import { CopyAsCode } from './copy-as-code';
import { NumberField } from './number-field';
import { useChunkingValidation } from './use-chunking';

const MODES = segmentOptions<ChunkMode>({ chunkSize: 'chunk_size', numChunks: 'num_chunks' });

export function ChunkingCell() {
  const f = useChunking();
  const { rows, v } = useChunkingValidation();
  const fn = useFunction();
  const textColumn = useDataset((s) => s.textColumn);
  const fileName = useDataset((s) => s.info?.fileName ?? null);
  const columns = useDataset((s) => s.info?.columns);
  const invalid = Object.keys(v.errors).length > 0;
  return (
    <Cell id="chunking" index={3} title="Chunking" state={invalid ? 'error' : 'ready'} stateLabel={invalid ? 'Invalid' : 'Valid'}>
      <div className="stack">
        <div className="grid-fields">
          <div className="field field--span">
            <span className="field__label">Split by</span>
            <Segmented label="Split by" value={f.mode} options={MODES} onChange={(mode) => f.set({ mode })} testId="chunk-mode" />
          </div>
          {f.mode === 'chunkSize' ? (
            <NumberField label="chunk_size (rows per chunk)" value={f.chunkSize} onChange={(chunkSize) => f.set({ chunkSize })} error={v.errors.chunkSize} testId="chunk-size" />
          ) : (
            <NumberField label="num_chunks (number of chunks)" value={f.numChunks} onChange={(numChunks) => f.set({ numChunks })} error={v.errors.numChunks} testId="num-chunks" />
          )}
          <NumberField label="concurrent_chunks" value={f.concurrentChunks} onChange={(concurrentChunks) => f.set({ concurrentChunks })} error={v.errors.concurrentChunks} hint="Chunks in flight at once" testId="concurrent-chunks" />
          <NumberField label="timeout (s)" value={f.timeout} onChange={(timeout) => f.set({ timeout })} error={v.errors.timeout} placeholder="none" hint="Per chunk; empty waits forever" testId="timeout" />
          <NumberField label="retries" value={f.retries} onChange={(retries) => f.set({ retries })} error={v.errors.retries} hint="Extra attempts per chunk" testId="retries" />
        </div>
        <ChunkPreview plan={rows === null ? null : v.plan} rows={rows} concurrentChunks={v.concurrentChunks} />
        <CopyAsCode code={chunkedCallCode(v, backendSpec(fn), textColumn, fileName, columns?.map((c) => c.name))} />
      </div>
    </Cell>
  );
}
