// Build and test configuration of the front end. Vite's root is frontend/; the
// build goes into the Python package with fixed names (the server's HTML page
// links /static/dist/app.js and /static/dist/app.css, so no content hashes).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./frontend'),
  base: '/static/dist/',
  build: {
    outDir: here('./backend/concviz/static/dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    cssCodeSplit: false,
    rolldownOptions: {
      input: here('./frontend/src/main.ts'),
      output: {
        entryFileNames: 'app.js',
        chunkFileNames: 'app-[name].js',
        assetFileNames: (info) =>
          (info.names ?? []).some((n) => n.endsWith('.css')) ? 'app.css' : '[name][extname]',
      },
    },
  },
  server: {
    // The dev server proxies the API to a concviz server on CONCVIZ_API (default :8000).
    proxy: {
      '/api': process.env.CONCVIZ_API ?? 'http://127.0.0.1:8000',
      '/ws': { target: process.env.CONCVIZ_API ?? 'http://127.0.0.1:8000', ws: true },
    },
  },
  test: {
    root: here('.'),
    include: ['frontend/tests/**/*.test.ts'],
    environment: 'node',
  },
});
