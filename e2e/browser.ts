import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that keep Debian Chromium quiet on a machine with no outside network. */
const BASE_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Software GL backends Chromium can render WebGL with on a machine without a GPU:
 * - swiftshader: Chromium's own (ANGLE over SwiftShader Vulkan), always there;
 * - lavapipe: Mesa's Vulkan on the CPU (Debian `mesa-vulkan-drivers`), through ANGLE's Vulkan backend;
 * - llvmpipe: Mesa's OpenGL on the CPU (Debian `libgl1-mesa-dri`), through ANGLE's GL backend (EGL).
 */
export const GL_BACKENDS = {
  swiftshader: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  lavapipe: ['--use-angle=vulkan', '--enable-features=Vulkan', '--ignore-gpu-blocklist', '--disable-vulkan-surface', '--enable-unsafe-swiftshader'],
  llvmpipe: ['--use-gl=angle', '--use-angle=gl-egl', '--ignore-gpu-blocklist'],
} as const;
export type GlBackend = keyof typeof GL_BACKENDS;

export interface LaunchOptions {
  /** Drop --disable-gpu and enable WebGPU: SwiftShader provides an adapter. */
  webgpu?: boolean;
  /** Drop --disable-gpu and render WebGL with SwiftShader (CPU): what the explorer needs. */
  webgl?: boolean;
  /** With `webgl`: which software GL renders it (default swiftshader; E2E_GL overrides). */
  gl?: GlBackend;
}

function glFromEnv(): GlBackend {
  const name = process.env.E2E_GL ?? 'swiftshader';
  if (!(name in GL_BACKENDS)) throw new Error(`E2E_GL=${name} is not a GL backend: use one of ${Object.keys(GL_BACKENDS).join(', ')}.`);
  return name as GlBackend;
}

export async function launchChromium(opts: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run \`apt-get install -y chromium\` or set CHROMIUM_PATH.`);
  }
  // playwright-core gives every launch a fresh, empty temporary profile (--user-data-dir).
  const args = [...BASE_ARGS];
  if (opts.webgpu) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader');
  else if (opts.webgl) args.push(...GL_BACKENDS[opts.gl ?? glFromEnv()]);
  else args.push('--disable-gpu');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/**
 * Chromium with an on-disk profile in `userDataDir`: storage (IndexedDB, OPFS) gets a normal
 * profile's disk quota. browser.newContext() is an off-the-record context whose storage lives in
 * memory with a small quota — wrong for runs that store gigabytes.
 */
export async function launchPersistentChromium(userDataDir: string, viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run \`apt-get install -y chromium\` or set CHROMIUM_PATH.`);
  }
  return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: [...BASE_ARGS, '--disable-gpu'], viewport, acceptDownloads: true });
}

/** Collects page errors and console errors so a spec can fail on any of them. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  return errors;
}

export const ARTIFACTS_DIR = join(import.meta.dirname, 'artifacts');
