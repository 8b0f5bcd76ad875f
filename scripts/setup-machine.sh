#!/usr/bin/env bash
# Gets this machine ready for kubelab: Node >= 22 (the machines here ship Node 20; Node 24
# comes from the npm registry in a few seconds). Idempotent: does nothing that is already done.
set -euo pipefail

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

export PATH=/usr/local/bin:$PATH
hash -r
if [ "$(node_major)" -lt 22 ]; then
  echo "setup: Node $(node -v 2>/dev/null || echo none) is too old; installing Node 24 into /usr/local"
  npm install -g --prefix /usr/local node@24 >/dev/null
  hash -r
fi
echo "setup: using Node $(node -v) at $(command -v node)"
