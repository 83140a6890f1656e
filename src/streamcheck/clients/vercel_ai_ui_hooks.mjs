// Module resolve hooks for vercel_ai_ui.mjs (registered with node:module's register before the
// SDK is imported): every file the SDK imports must lie under the folders it was found in (the
// node_modules folder, the `ai` package itself, this script's folder), symlinks resolved. Node
// looks for a package missing from node_modules in every folder above it, up to /node_modules;
// a planted /tmp/node_modules/<dependency> would run here otherwise.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

let roots = [];

export async function initialize(data) {
  roots = data.roots;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (result.url.startsWith("file:")) {
    let path = fileURLToPath(result.url);
    try {
      path = realpathSync(path);
    } catch {}
    if (!roots.some((root) => path === root || path.startsWith(root + "/"))) {
      throw new Error(`streamcheck-outside: ${specifier} resolves to ${path}, outside ${roots[0]}`);
    }
  }
  return result;
}
