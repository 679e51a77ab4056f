// The web UI's build: React + xterm.js bundled by Vite into web/dist, served by the proxy at /web
// (hashed assets under /web/app/, cached for a year). Wire types come from ../src/api.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const api = fileURLToPath(new URL('../src/api', import.meta.url));

export default defineConfig({
  base: '/web/',
  plugins: [react()],
  resolve: { alias: { '@api': api } },
  server: { fs: { allow: ['..'] } },
  build: {
    outDir: 'dist',
    assetsDir: 'app',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
});
