#!/usr/bin/env bash
# The API contract as third-party tools see it (called by .ci/run; runs alone too):
#   1. Spectral (spectral:oas, .spectral.yaml) and Redocly (recommended, redocly.yaml) lint
#      api/openapi.yaml with no error and no warning; both are pinned in clients/ts/package-lock.json.
#   2. A real server is built and started on a new database (loopback, a free port, an admin
#      token made with `scorecard token create`), and its served /api/v1/openapi.json is fetched.
#   3. oapi-codegen (pinned below) generates a Go client from it (clients/go, its own go.mod);
#      the client program is vetted, built and run against the server.
#   4. openapi-typescript generates the TypeScript types; the openapi-fetch program is
#      type-checked by tsc (strict) and run with node against the server.
# Any lint finding or any mismatch in either program fails the script. Needs Go, Node 20.19+ and
# npm, and the npm registry and Go module proxy (or warm caches).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

OAPI_CODEGEN=github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2
# The generated Go client has its own module; the product's GOFLAGS (-mod, -buildvcs) are not its.
export GOFLAGS="-buildvcs=false"

start=$(date +%s)
say() { echo "contract: $* ($(($(date +%s) - start))s)"; }

work=$(mktemp -d)
server_pid=
cleanup() {
	if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid"
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# 1. Lint, with the pinned tools.
say "installing the pinned npm tools"
(cd clients/ts && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
bin=$root/clients/ts/node_modules/.bin
say "spectral lint"
"$bin/spectral" lint --ruleset .spectral.yaml --fail-severity=hint api/openapi.yaml
say "redocly lint"
if ! "$bin/redocly" lint --config redocly.yaml --format=json api/openapi.yaml >"$work/redocly.json" 2>"$work/redocly.err"; then
	"$bin/redocly" lint --config redocly.yaml --format=stylish api/openapi.yaml || true
	echo "contract: redocly lint failed" >&2
	exit 1
fi
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
for (const p of r.problems) console.error(`${p.severity} ${p.ruleId}: ${p.message} at ${(p.location[0] || {}).pointer}`);
console.log(`redocly: ${r.totals.errors} errors, ${r.totals.warnings} warnings`);
process.exit(r.totals.errors + r.totals.warnings === 0 ? 0 : 1);
' "$work/redocly.json"

# 2. A real server on a new database.
say "building the server"
go build -o "$work/scorecard" ./cmd/scorecard
port=
for _ in $(seq 1 50); do
	p=$((20000 + RANDOM % 20000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		port=$p
		break
	fi
done
[[ -n "$port" ]] || { echo "contract: no free loopback port" >&2; exit 1; }
base=http://127.0.0.1:$port
db=$work/contract.duckdb
say "creating the database with the shipped data and an admin token"
token=$("$work/scorecard" token create --db "$db" --name contract --role admin 2>"$work/token.log" | tail -n 1)
[[ "$token" == sct_* ]] || { cat "$work/token.log" >&2; echo "contract: no token created" >&2; exit 1; }
"$work/scorecard" serve --db "$db" --addr "127.0.0.1:$port" --log-level warn >"$work/server.log" 2>&1 &
server_pid=$!
ready=
for _ in $(seq 1 300); do
	if ! kill -0 "$server_pid" 2>/dev/null; then
		cat "$work/server.log" >&2
		echo "contract: the server exited" >&2
		exit 1
	fi
	if curl -fsS -o /dev/null "$base/readyz" 2>/dev/null; then
		ready=1
		break
	fi
	sleep 1
done
[[ -n "$ready" ]] || { cat "$work/server.log" >&2; echo "contract: the server was not ready in 300 s" >&2; exit 1; }
say "server ready at $base"
curl -fsS --compressed -o "$work/openapi.json" "$base/api/v1/openapi.json"

# 3. The Go client.
say "generating the Go client with oapi-codegen"
(
	cd clients/go
	go run "$OAPI_CODEGEN" -config oapi-codegen.yaml "$work/openapi.json"
	go vet ./...
	go build -o "$work/contract-go" .
)
say "running the Go client"
"$work/contract-go" -base "$base" -token "$token"

# 4. The TypeScript client.
say "generating the TypeScript types with openapi-typescript"
(
	cd clients/ts
	"$bin/openapi-typescript" "$work/openapi.json" -o gen/schema.d.ts
	"$bin/tsc" --noEmit -p .
	# Checked above: emit the JavaScript without checking again.
	"$bin/tsc" -p . --noCheck --outDir "$work/ts"
)
# The compiled program imports openapi-fetch from clients/ts/node_modules.
ln -s "$root/clients/ts/node_modules" "$work/node_modules"
printf '{"type":"module"}\n' >"$work/package.json"
say "running the TypeScript client"
node "$work/ts/main.js" "$base" "$token"

say "passed"
