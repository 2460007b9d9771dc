// Byte progress of model downloads on the command line: one line per file at 0%, every 10% and
// done (a progress bar would fight the embedding bar that follows). Cache hits and files read
// from disk are silent.
import type { ModelLoadProgress } from '../model/types';

const mb = (n: number) => (n / 1e6).toFixed(1);

export function modelDownloadPrinter(write: (line: string) => void): (p: ModelLoadProgress) => void {
  const lastStep = new Map<string, number>();
  return (p) => {
    if (p.status !== 'download' || p.cached) return;
    // A download starts at 0 bytes; a file read whole from disk (a folder, the default model)
    // arrives as one complete event and is not a download.
    if (!lastStep.has(p.file) && p.loaded > 0 && p.loaded === p.total) return;
    // Every 10% of a known size; every 10 MB when the server sent no length.
    const step = p.total ? Math.floor((10 * p.loaded) / p.total) : Math.floor(p.loaded / 10e6);
    if (lastStep.get(p.file) === step) return;
    lastStep.set(p.file, step);
    const of = p.total ? `${mb(p.loaded)} / ${mb(p.total)} MB (${step * 10}%)` : `${mb(p.loaded)} MB`;
    write(`model: downloading ${p.file} ${of}\n`);
  };
}
