// Builds the console into console/dist, which the engine serves on its HTTP port.
// `npm run build:console` runs `vite build console`; `npx vite console` serves it for
// development, passing gRPC-web calls to an engine on localhost:8080.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  resolve: {
    // protobufjs loads `long` when it can; epoch ms and sequence numbers fit in a double.
    alias: { long: fileURLToPath(new URL('./src/api/no-long.ts', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // MapLibre alone is ~1 MB minified; it is one cached, hashed file.
    chunkSizeWarningLimit: 1500,
  },
  // maplibre-gl 6 starts its worker as a module worker.
  worker: { format: 'es' },
  server: {
    proxy: { '/ioc.v1.': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
