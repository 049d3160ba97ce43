import { defineConfig } from 'vite';

// The app is served by `zebra serve` from web/dist at `/`; in development, API calls go to a
// server on ZEBRA_API (default http://localhost:8080).
const api = process.env.ZEBRA_API ?? 'http://localhost:8080';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline data: URLs for assets: the server's CSP is default-src 'self'.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/v1': api },
  },
});
