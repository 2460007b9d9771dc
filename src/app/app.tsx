// The notebook: six cells top to bottom, each showing its own state.
import { ChunkingCell } from './features/chunking/chunking-cell';
import { DatasetCell } from './features/dataset/dataset-cell';
import { ExportCell } from './features/export/export-cell';
import { FunctionCell } from './features/function/function-cell';
import { ResultsCell } from './features/results/results-cell';
import { RunCell } from './features/run/run-cell';

export function App() {
  return (
    <div className="page">
      <header className="topbar">
        <div className="topbar__inner">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <h1>embedbook</h1>
          <p className="topbar__tag">Turn a dataset into embeddings — in this browser or on a queue server.</p>
        </div>
      </header>
      <main className="notebook">
        <DatasetCell />
        <FunctionCell />
        <ChunkingCell />
        <RunCell />
        <ResultsCell />
        <ExportCell />
      </main>
      <footer className="footer muted">All parsing, inference and Parquet writing run in a Web Worker; your data stays in this tab unless you pick the remote backend.</footer>
    </div>
  );
}
