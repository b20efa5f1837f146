import { defineConfig } from "vite";

// The viewer is served by the Worker from `dist/` (wrangler.toml `[assets]`); every path but /v1 is the app.
// File names are stable, not content-hashed: a running `wrangler dev` keeps the list of asset paths it found at
// start-up, so a rebuild must not change them (browsers revalidate by ETag).
export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      output: { entryFileNames: "assets/viewer.js", chunkFileNames: "assets/[name].js", assetFileNames: "assets/viewer[extname]" },
    },
  },
  server: { proxy: { "/v1": `http://127.0.0.1:${8917 + Number(process.env.WRIT_PORT_OFFSET ?? 0)}` } },
});
