/**
 * The storefront example. `npm run web` serves it with the API behind
 * /graphql (API_URL, default the `npm run dev` server); `npm run web:build`
 * writes web/dist, which `vite preview` serves the same way.
 */
import { defineConfig } from 'vite';

const api = process.env.API_URL ?? 'http://127.0.0.1:4000';
// Same origin for the page and /graphql: no CORS, and the API's CSRF rules hold.
const proxy = { '/graphql': { target: api, changeOrigin: true } };

export default defineConfig({
  root: import.meta.dirname,
  build: { outDir: 'dist', emptyOutDir: true },
  server: { host: '127.0.0.1', port: Number(process.env.WEB_PORT ?? 5173), proxy },
  preview: { host: '127.0.0.1', port: Number(process.env.WEB_PORT ?? 4173), proxy },
});
