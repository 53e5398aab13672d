/**
 * Vite build of the studio: `web/` is the root, the bundle lands in `web/dist`, which `maskedit studio`
 * serves. The app imports maskedit only as `maskedit/client` (src/client.ts, pure TypeScript: the doctor,
 * linter, planner and cost model run in the browser exactly as on the server, and the studio's HTTP contract
 * types); the alias below points it at the source, as `paths` does in web/tsconfig.json.
 * `npm run build:web` runs this; `vite --config web/vite.config.ts` serves it with hot reload and proxies /api
 * to a studio on :8788.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  resolve: { alias: { 'maskedit/client': fileURLToPath(new URL('../src/client.ts', import.meta.url)) } },
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: { '/api': 'http://127.0.0.1:8788' },
  },
});
