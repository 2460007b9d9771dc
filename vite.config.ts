import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// COOP/COEP make the page cross-origin isolated: without them SharedArrayBuffer is missing and
// onnxruntime-web silently falls back to a single WASM thread.
export const crossOriginIsolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Dev only: onnxruntime-web dynamic-imports its runtime from /ort/*.mjs (public/ort). Vite's
 * transform middleware refuses source imports of public files, so serve /ort/* as-is, first.
 */
function servePublicOrt(): Plugin {
  return {
    name: 'embedbook:serve-public-ort',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = req.url?.split('?')[0] ?? '';
        if (!/^\/ort\/[\w.-]+$/.test(path)) return next();
        const file = join(server.config.publicDir, path);
        if (!existsSync(file)) return next();
        res.setHeader('Content-Type', path.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        for (const [k, v] of Object.entries(crossOriginIsolationHeaders)) res.setHeader(k, v);
        createReadStream(file).pipe(res);
      });
    },
  };
}

export default defineConfig({
  plugins: [servePublicOrt(), react()],
  server: { headers: crossOriginIsolationHeaders },
  preview: { headers: crossOriginIsolationHeaders },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web', 'parquet-wasm'] },
  build: { target: 'es2022', sourcemap: true },
});
