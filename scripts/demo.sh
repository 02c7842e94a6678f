#!/usr/bin/env bash
# The README's first command: conn's main job end to end in a throw-away home and sample repo.
# It opts into the plaintext secret store (CONN_SECRET_STORE=file) inside that throw-away home, so it
# runs on a fresh machine with no keychain; your real catalog and keychain are never touched.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo=$(mktemp -d "${TMPDIR:-/tmp}/conn-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT
export CONN_HOME="$demo/home" CONN_SECRET_STORE=file NO_COLOR=${NO_COLOR-}
conn() { node "$root/bin/conn.js" "$@"; }
# Bold command lines only on a terminal and never with NO_COLOR (https://no-color.org), like conn itself.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
say() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }
run() { say "conn $*"; conn "$@"; }

echo "conn demo: CONN_HOME=$CONN_HOME (throw-away; secrets in a 0600 file there because CONN_SECRET_STORE=file)"
memory="$root/node_modules/@modelcontextprotocol/server-memory/dist/index.js"
everything="$root/node_modules/@modelcontextprotocol/server-everything/dist/index.js"

run presets
say "printf %s ntn_… | conn add notion --secret-stdin NOTION_TOKEN   (a preset that needs a secret)"
printf %s "ntn_demo_not_a_real_token" | conn add notion --secret-stdin NOTION_TOKEN
run add memory
run add custom --name notes -- node "$memory"
run add custom --name ref-server -- node "$everything" stdio
run list
run show notion
run test notes ref-server

repo="$demo/sample-repo"
mkdir -p "$repo" && git -C "$repo" init -q && git -C "$repo" remote add origin git@github.com:acme/sample.git
run assign notes --repo github.com/acme/sample --agent claude-code --permission read
run assign notion --repo github.com/acme/other
run explain --repo "$repo"
run render --repo "$repo" --agent claude-code
say "cat $repo/.mcp.json"; cat "$repo/.mcp.json"
say "cat $repo/.claude/settings.local.json   (deny rules for the read permission)"; cat "$repo/.claude/settings.local.json"
run render --repo "$repo" --agent claude-code
run render --repo "$repo" --agent cursor --secrets proxy
say "cat $repo/.cursor/mcp.json"; cat "$repo/.cursor/mcp.json"
echo
echo "demo done: everything above lived in $demo, now removed."
