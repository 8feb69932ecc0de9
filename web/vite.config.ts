import optimizeLocales from '@react-aria/optimize-locales-plugin';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev:web`: the console on Vite's dev server, the API (and its live stream) behind the proxy.
const api = process.env.API_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [
    react(),
    // React Aria ships its controls' built-in strings in 34 languages; keep the console's two (English and
    // Russian, issue 14): the rest was ~5 % of the inbox's initial JavaScript.
    { ...optimizeLocales.vite({ locales: ['en-US', 'ru-RU'] }), enforce: 'pre' },
  ],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', modulePreload: { polyfill: false } },
  server: { proxy: { '/api': { target: api, changeOrigin: false } } },
});
