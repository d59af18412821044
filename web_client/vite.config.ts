import { defineConfig } from 'vite';

// The server (signaling/app.py) serves index.html for `/` and `/s/{session}` and the
// files under `/assets/`, with a strict Content-Security-Policy: no inline scripts or
// styles, so everything is emitted as separate files.
export default defineConfig({
  base: '/',
  build: {
    outDir: '../signaling/static',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Keep every asset a file: the CSP allows data: only for images.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2020',
    sourcemap: false,
  },
});
