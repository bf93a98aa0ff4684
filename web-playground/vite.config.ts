import { defineConfig } from 'vite';

export default defineConfig({
  // Relative URLs, so the built site works from any folder or sub-path of a static host.
  base: './',
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // The engine is one .wasm file; inlining it into JS would grow it by a third.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2048,
  },
  server: {
    // The examples live in the repository's examples/, one folder up.
    fs: { allow: ['..'] },
  },
});
