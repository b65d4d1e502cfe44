// Builds the supervisor console into ../backend/web/static/ (git-ignored): index.html and assets/.
// Everything comes from npm packages in node_modules; nothing is fetched at run time.
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, "../backend/web/static");

await rm(out, { recursive: true, force: true });
await mkdir(resolve(out, "assets"), { recursive: true });
await build({
  entryPoints: { console: resolve(here, "src/main.js") },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["es2020"],
  outdir: resolve(out, "assets"),
  loader: { ".png": "file", ".svg": "file" },
  assetNames: "[name]-[hash]",
  legalComments: "linked",
  logLevel: "warning",
});
await copyFile(resolve(here, "index.html"), resolve(out, "index.html"));
// The API documentation pages (/schema/swagger, /schema/redoc) load these, served by the app: no CDN.
const docs = resolve(out, "assets", "docs");
await mkdir(docs, { recursive: true });
for (const [pkg, file] of [
  ["swagger-ui-dist", "swagger-ui-bundle.js"],
  ["swagger-ui-dist", "swagger-ui-standalone-preset.js"],
  ["swagger-ui-dist", "swagger-ui.css"],
  ["redoc", "bundles/redoc.standalone.js"],
]) {
  await copyFile(resolve(here, "node_modules", pkg, file), resolve(docs, file.split("/").pop()));
}
console.log(`built the supervisor console into ${out}`);
