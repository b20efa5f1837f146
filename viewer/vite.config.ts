import { defineConfig } from "vite";

// The viewer is served by the Worker from `dist/` (wrangler.toml `[assets]`); every path but /v1 is the app.
export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy: { "/v1": `http://127.0.0.1:${8917 + Number(process.env.WRIT_PORT_OFFSET ?? 0)}` } },
});
