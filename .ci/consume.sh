#!/usr/bin/env bash
# The package as users get it: packed, installed into new projects, imported from ESM, required
# from CommonJS, type-checked with moduleResolution nodenext and bundler, bundled (minified) into
# one file that runs with no node_modules beside it. Every app talks to a local server.
#   .ci/consume.sh [NODE_BINARY ...]     (default: the node on PATH)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
apps="$repo/.ci/consume"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
nodes=("$@")
[ ${#nodes[@]} -gt 0 ] || nodes=("$(command -v node)")

cd "$repo"
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
files="$(tar tzf "$work/$tarball")"
echo "packed $tarball: $(echo "$files" | wc -l) files"
for f in package/dist/index.js package/dist/index.d.ts package/dist/cli.js package/LICENSE; do
  echo "$files" | grep -qx "$f" || { echo "the tarball has no $f"; exit 1; }
done
# Internals are marked @internal and stripped from the declarations users see.
if grep -rEn 'readArrived|ADOPT_HEADERS|prepared: PreparedFields|get revision|outcomeOf' "$repo/dist" --include='*.d.ts'; then
  echo "internal names leak into the public declarations"; exit 1
fi

# 1. Installing wirepool installs nothing else.
mkdir "$work/alone" && cd "$work/alone" && echo '{ "name": "alone", "private": true }' > package.json
npm install --silent --no-audit --no-fund "$work/$tarball"
installed="$(ls node_modules | grep -v '^\.' | tr '\n' ' ')"
[ "$installed" = "wirepool " ] || { echo "installing wirepool also installed: $installed"; exit 1; }
echo "npm install wirepool installs: $installed"

# 2. A user project: ESM and CommonJS apps, type checks, and a bundle.
mkdir "$work/app" && cd "$work/app" && echo '{ "name": "app", "private": true, "type": "module" }' > package.json
npm install --silent --no-audit --no-fund "$work/$tarball" "@types/node@$(node -p 'require(process.argv[1]).devDependencies["@types/node"]' "$repo/package.json")"
cp "$apps"/* .
"$repo/node_modules/.bin/tsc" -p tsconfig.nodenext.json && echo "tsc (nodenext): ok"
"$repo/node_modules/.bin/tsc" -p tsconfig.bundler.json && echo "tsc (bundler): ok"
mkdir "$work/bundled"
"$repo/node_modules/.bin/esbuild" app.mjs --bundle --platform=node --format=esm --minify --log-level=warning --outfile="$work/bundled/app.mjs"
for node in "${nodes[@]}"; do
  echo "--- $("$node" --version)"
  "$node" app.mjs esm
  "$node" --no-warnings app.cjs
  (cd "$work/bundled" && [ ! -e node_modules ] && "$node" app.mjs "bundled (minified, no node_modules)")
  # The command users get with it (npx wirepool): installed as a bin, runs on its own.
  [ -x node_modules/.bin/wirepool ] || { echo "no node_modules/.bin/wirepool"; exit 1; }
  echo "npx wirepool --version: $(PATH="$(dirname "$node"):$PATH" node_modules/.bin/wirepool --version)"
done
