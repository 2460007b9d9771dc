// Constant memory in the browser (issue 16): the app as `npm start` serves it, in Debian Chromium,
// a remote run of --rows generated rows (default 1,000,000) against a queue server whose function
// answers a cheap 384-d vector at once, 1,000-row chunks, 8 in flight; then the Parquet export,
// downloaded and checked (row count, ids, texts, vectors of sampled rows). Prints parse / run /
// export times, rows/s and the tab's peak memory (largest Chromium renderer RSS, from /proc) against
// the 1.5 GiB target, plus all Chromium processes and measureUserAgentSpecificMemory().
//   npm run bench -- browser-scale [--rows 1000000] [--chunk-size 1000] [--concurrency 8]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchPersistentChromium, ARTIFACTS_DIR } from '../e2e/browser';
import { runBrowserScale, startCheapServer, writeScaleCsv } from '../e2e/fixtures/browser-scale';
import { startApp } from '../src/cli/start-command';

const here = path.dirname(fileURLToPath(import.meta.url));

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

export async function main(args: string[]): Promise<void> {
  const rows = Number(flag(args, 'rows', '1000000'));
  const chunkSize = Number(flag(args, 'chunk-size', '1000'));
  const concurrency = Number(flag(args, 'concurrency', '8'));
  const app = await startApp({ host: '127.0.0.1', port: '0' }, { stderr: (t) => void process.stderr.write(t) });
  const { server, url: serverUrl } = await startCheapServer(new URL(app.url).origin);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'embedbook-browser-scale-'));
  const context = await launchPersistentChromium(path.join(tmp, 'profile'));
  try {
    const csv = path.join(tmp, 'scale.csv');
    await writeScaleCsv(csv, rows);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const r = await runBrowserScale({
      context,
      appUrl: app.url,
      serverUrl,
      csv,
      rows,
      chunkSize,
      concurrency,
      log: (l) => console.log(`  ${l}`),
      screenshot: (page) => page.screenshot({ path: path.join(ARTIFACTS_DIR, 'bench-browser-scale.png'), fullPage: true }).then(() => undefined),
    });
    const load1 = os.loadavg()[0];
    const md = [
      `| rows | parse s | run s | rows/s | export s | export MiB | tab peak MiB (target < 1536) | all Chromium peak MiB | measureUserAgentSpecificMemory MiB | load avg |`,
      `|---|---|---|---|---|---|---|---|---|---|`,
      `| ${rows.toLocaleString('en-US')} | ${r.parseS.toFixed(1)} | ${r.runS.toFixed(1)} | ${Math.round(r.rowsPerS).toLocaleString('en-US')} | ${r.exportS.toFixed(1)} | ${r.exportMiB.toFixed(0)} | ${r.tabPeakMiB.toFixed(0)} | ${r.chromiumPeakMiB.toFixed(0)} | ${r.uaMemoryMiB === null ? 'n/a' : r.uaMemoryMiB.toFixed(0)} | ${load1.toFixed(1)} |`,
    ].join('\n');
    console.log(md);
    console.log(r.tabPeakMiB < 1536 ? `tab peak ${r.tabPeakMiB.toFixed(0)} MiB < 1.5 GiB: OK` : `tab peak ${r.tabPeakMiB.toFixed(0)} MiB is OVER the 1.5 GiB target`);
    mkdirSync(path.join(here, 'results'), { recursive: true });
    writeFileSync(path.join(here, 'results', 'browser-scale.json'), JSON.stringify({ chunkSize, concurrency, load1, ...r }, null, 2));
    writeFileSync(path.join(here, 'results', 'browser-scale.md'), `${md}\n`);
  } finally {
    await context.close();
    await server.close();
    await app.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
