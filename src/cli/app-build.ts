// `embedbook start` builds the app only when it must: dist/index.html missing, or older than any
// source the bundle is made from. `npm run build` (not vite's JS API) so the prebuild hook that
// copies onnxruntime-web's wasm into public/ort runs too.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the browser bundle is built from (the server and CLI are not part of it). */
const APP_INPUTS = ['index.html', 'vite.config.ts', 'package.json', 'src/app', 'src/worker', 'src/core', 'src/io', 'src/model', 'src/client', 'public'];

function newestMtime(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || /\.test\.tsx?$/.test(entry.name)) continue;
    try {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    } catch {
      // Deleted while we walked: ignore.
    }
  }
  return newest;
}

/** Why dist/ must be (re)built, or undefined when it is current. */
export function staleReason(root: string, distDir = join(root, 'dist')): string | undefined {
  const index = join(distDir, 'index.html');
  if (!existsSync(index)) return `${index} does not exist`;
  const built = statSync(index).mtimeMs;
  for (const input of APP_INPUTS) {
    if (newestMtime(join(root, input)) > built) return `${input} changed since the last build`;
  }
  return undefined;
}

/** Runs `npm run build` in root, streaming its output to `log`; rejects on a non-zero exit. */
export function buildApp(root: string, log: (text: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => log(d.toString()));
    child.stderr.on('data', (d: Buffer) => log(d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`\`npm run build\` failed with exit code ${code}; fix the build error above, then run again.`))));
  });
}
