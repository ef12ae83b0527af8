#!/usr/bin/env bash
# Pull a scorecard from the API the way another system would, with curl and jq:
# check the contract, print the scorecard by priority, poll it again with its ETag (304 when
# nothing changed), and save it as CSV and as an Excel workbook (one sheet per priority).
#
#   scripts/pull-scorecard.sh [SCORECARD_ID] [AREA]
#   BASE=http://localhost:8080 OUT=/tmp scripts/pull-scorecard.sh leicestershire-ewmh
#
# Needs curl and jq. The server is `go run ./cmd/scorecard serve` (README.md).
set -euo pipefail

BASE="${BASE:-http://localhost:8080}"
ID="${1:-poole-childrens-trust}"
AREA="${2:-}"
OUT="${OUT:-.}"
# An API token, when reads need one, goes in TOKEN (sent as a bearer token).
AUTH=()
if [[ -n "${TOKEN:-}" ]]; then AUTH=(-H "Authorization: Bearer ${TOKEN}"); fi

for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "pull-scorecard: $tool is needed" >&2; exit 2; }
done

# 1. The contract: find the scorecard operation's path in the OpenAPI document.
path=$(curl -fsS "${AUTH[@]}" --compressed "$BASE/api/v1/openapi.json" |
  jq -r '.paths | to_entries[] | select(.value.get.operationId == "getScorecard") | .key')
[[ -n "$path" ]] || { echo "pull-scorecard: the API has no getScorecard operation" >&2; exit 1; }
url="$BASE${path/\{id\}/$ID}"
[[ -n "$AREA" ]] && url="$url?area=$(jq -rn --arg a "$AREA" '$a|@uri')"

# 2. The scorecard as JSON, keeping the response headers for the ETag.
headers=$(mktemp)
body=$(mktemp)
trap 'rm -f "$headers" "$body"' EXIT
status=$(curl -sS "${AUTH[@]}" --compressed -D "$headers" -o "$body" -w '%{http_code}' -H 'Accept: application/json' "$url")
if [[ "$status" != 200 ]]; then
  echo "pull-scorecard: $status: $(jq -r '.code + ": " + .detail' "$body" 2>/dev/null || cat "$body")" >&2
  exit 1
fi
etag=$(grep -i '^etag:' "$headers" | cut -d' ' -f2- | tr -d '\r')

jq -r '
  "\(.title)\n\(.area.name) (\(.area.code))",
  "RAG: \(.summary.green) green, \(.summary.amber) amber, \(.summary.red) red, \(.summary.no_target) no target, \(.summary.no_data) no data",
  (.priorities | to_entries[] |
    "\n\(.key + 1). \(.value.title)",
    (.value.rows[] |
      if .evaluation == null then "  \(.reference // .indicator)\t\(.title)\tno data"
      else "  \(.reference // .indicator)\t\(.title)\t\(.evaluation.period)\t\(.evaluation.display_value)\t\(.evaluation.rag.status)" +
           (if .evaluation.comparators.england.display_value then "\tEngland \(.evaluation.comparators.england.display_value)" else "" end)
      end))' "$body"

# 3. Poll again with the ETag: 304 means the copy in hand is current.
again=$(curl -sS "${AUTH[@]}" -o /dev/null -w '%{http_code}' -H 'Accept: application/json' -H "If-None-Match: $etag" "$url")
echo
echo "second poll with ETag $etag: HTTP $again$([[ "$again" == 304 ]] && echo ' (unchanged)')"

# 4. The same scorecard as CSV and as a workbook, by content negotiation.
curl -fsS "${AUTH[@]}" --compressed -H 'Accept: text/csv' -o "$OUT/$ID.csv" "$url"
curl -fsS "${AUTH[@]}" -H 'Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' -o "$OUT/$ID.xlsx" "$url"
echo "saved $OUT/$ID.csv ($(($(wc -l <"$OUT/$ID.csv") - 1)) rows) and $OUT/$ID.xlsx"
