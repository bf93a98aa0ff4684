import { defineConfig, type Plugin } from 'vite';

/** A `<link rel="preload">` for the engine's .wasm in the page, so its download starts with the HTML's
 * parsing instead of after the main script has run. */
function preloadWasm(): Plugin {
  return {
    name: 'preload-wasm',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const wasm = Object.keys(ctx.bundle ?? {}).find((f) => f.endsWith('.wasm'));
        if (!wasm) return [];
        return [
          {
            tag: 'link',
            attrs: { rel: 'preload', href: `./${wasm}`, as: 'fetch', type: 'application/wasm', crossorigin: '' },
            injectTo: 'head-prepend',
          },
        ];
      },
    },
  };
}

export default defineConfig({
  plugins: [preloadWasm()],
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
