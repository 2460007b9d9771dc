import type { TestProject } from 'vitest/node';
import { startApp, type StartedApp } from '../src/cli/start-command';

// The same server `npm start` runs: the built app (cross-origin isolated) plus the function
// queue under /api with "embed" deployed, on a free port. `npm run build` always runs first
// (rebuild) so the specs test the current sources, ORT assets included (its prebuild step).
let server: StartedApp | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startApp({ host: '127.0.0.1', port: '0', rebuild: true }, { stderr: (t) => void process.stderr.write(t) });
  project.provide('appUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
  }
}
