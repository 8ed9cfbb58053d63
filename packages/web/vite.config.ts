/**
 * The web app's build. The core (@machi/core) is bundled as it is — its proof verification runs in the browser — with
 * two adapters for what Node gives it and a browser does not: `node:crypto` (SHA-256 and Ed25519 verify, from
 * @noble) and `Buffer` (installed as a global by src/polyfills.ts before the core loads).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: {
      'node:crypto': fileURLToPath(new URL('./src/verify/node-crypto.ts', import.meta.url)),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    sourcemap: true,
  },
  server: {
    proxy: { '/v1': 'http://127.0.0.1:8081', '/open311': 'http://127.0.0.1:8081', '/docs': 'http://127.0.0.1:8081' },
  },
});
