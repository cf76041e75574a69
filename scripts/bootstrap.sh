#!/usr/bin/env bash
# Runs a command with this package's dependencies installed and Node 24 first on PATH.
# `npm start` and `npm test` begin here, because on a fresh clone npm itself still runs on whatever
# Node the machine has (n8n 2.38+ needs 24; the `node` devDependency brings it).
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.bootstrap-stamp
wanted="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [[ ! -x node_modules/.bin/node || ! -f $stamp || "$(cat $stamp)" != "$wanted" ]]; then
	if [[ -d node_modules ]]; then
		# Incremental: never wipe a node_modules another process may be using.
		echo "Updating dependencies (npm install) …"
		npm install --no-audit --no-fund --loglevel=error
	else
		echo "Installing dependencies (npm ci) …"
		npm ci --no-audit --no-fund --loglevel=error
	fi
	# .npmrc turns install scripts off (see there); node@24 needs its own to fetch its binary.
	npm rebuild node --ignore-scripts=false --loglevel=error
	echo "$wanted" > $stamp
fi
export PATH="$PWD/node_modules/.bin:$PATH"
exec "$@"
