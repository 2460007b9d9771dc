// `embedbook start` (what `npm start` runs): one fastify server on 127.0.0.1:5173 that serves the
// built app (dist/, built first when missing or stale) cross-origin isolated, AND the function
// queue under /api with the built-in "embed" function (default model) deployed, so the app's
// Local and Remote backends both work from a fresh clone with no set-up (Remote URL: "/api").
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { createServer, DEFAULT_BODY_LIMIT } from '../server/create-server';
import { edgeErrorOptions } from '../server/routes';
import { buildApp, staleReason } from './app-build';
import { describeAuth, parseAuthFlags, requireAuthOffLoopback, type RawAuthFlags } from './auth-options';
import { listenError } from './errors';
import { runInForeground } from './foreground';
import type { CliIO } from './main';
import { DEFAULT_FUNCTION, parsePort } from './serve-command';
import { registerStatic } from './static-files';

const API_PREFIX = '/api';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Access flags of `start`: deploy is off unless an admin key is given; the app sends no API key. */
type StartAccessFlags = Pick<RawAuthFlags, 'adminKey' | 'adminKeyFile' | 'allowedHosts' | 'insecureNoAuth'>;

export interface StartFlags extends StartAccessFlags {
  host: string;
  port: string;
  rebuild?: boolean;
  /** Tests: serve this folder instead of building dist/. */
  distDir?: string;
}

export interface StartedApp {
  url: string;
  /** The banner's access line. */
  access: string;
  close(): Promise<void>;
}

/** Builds if needed and starts serving; resolves once listening. */
export async function startApp(flags: StartFlags, io: Pick<CliIO, 'stderr'>): Promise<StartedApp> {
  const port = parsePort(flags.port);
  const access = parseAuthFlags({ adminKey: flags.adminKey, adminKeyFile: flags.adminKeyFile, allowedHosts: flags.allowedHosts, insecureNoAuth: flags.insecureNoAuth }, { adminOnly: true });
  requireAuthOffLoopback(flags.host, access);
  const distDir = flags.distDir ?? join(ROOT, 'dist');
  if (!flags.distDir) {
    const why = flags.rebuild ? '--rebuild was given' : staleReason(ROOT, distDir);
    if (why) {
      io.stderr(`Building the app (${why})…\n`);
      await buildApp(ROOT, io.stderr);
    }
  }
  if (!existsSync(join(distDir, 'index.html'))) {
    throw new Error(`${join(distDir, 'index.html')} is missing after the build; run \`npm run build\` and check its output.`);
  }
  if (!existsSync(join(ROOT, 'public', 'models', 'default', 'model.onnx'))) {
    io.stderr('Warning: public/models/default/model.onnx is missing, so the default model cannot load; run `npm install` (its postinstall builds it).\n');
  }
  // One fastify app for both. forceCloseConnections: a browser keeps long-polls and keep-alive
  // sockets open; Ctrl-C must not wait for them once the queue has answered every poll.
  const app = Fastify({ logger: false, bodyLimit: DEFAULT_BODY_LIMIT, forceCloseConnections: true, ...edgeErrorOptions });
  registerStatic(app, { root: distDir, apiPrefix: API_PREFIX });
  const server = createServer({
    app, host: flags.host, port, prefix: API_PREFIX, functions: [DEFAULT_FUNCTION],
    adminKey: access.adminKey, allowedHosts: access.allowedHosts, insecureNoAuth: access.insecureNoAuth,
  });
  let listening: Awaited<ReturnType<typeof server.listen>>;
  try {
    listening = await server.listen();
  } catch (err) {
    await server.close().catch(() => undefined);
    throw listenError(err, flags.host, port);
  }
  const { host, port: actual } = listening;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shown}:${actual}/`, access: describeAuth(access), close: () => server.close() };
}

export async function runStart(flags: StartFlags, io: CliIO): Promise<number> {
  const started = await startApp(flags, io);
  return runInForeground(io, {
    title: `embedbook app: ${started.url}`,
    lines: [
      ['queue API', `${started.url}api (built-in function "embed", default model; use Remote URL "/api" in the app)`],
      ['access', started.access],
    ],
    onCtrlC: 'Ctrl-C to stop.',
    ready: started.url,
    stopping: 'Stopping…',
    close: [() => started.close()],
  });
}
