// A client of the scorecard API written only against the types openapi-typescript generated from
// the served OpenAPI document (gen/schema.d.ts, made by .ci/contract.sh, not committed) and
// openapi-fetch. It checks that what the document promises is what a real server sends: a
// scorecard, every page of the evaluations, an upload and a rejected upload's problems.
//
// Usage: node main.js BASE_URL ADMIN_TOKEN. Exits 1, naming the first mismatch, if a check fails.
//
// Every read route offers four representations (JSON, CSV, Arrow, Excel). The client asks for
// JSON on the wire (Accept) and in the types: createClient's second type parameter selects the
// media types whose schemas type `data` and `error`, here JSON and problem details.
import createClient from "openapi-fetch";
import type { components, paths } from "./gen/schema.js";

type Problem = components["schemas"]["Problem"];

const [base, token] = process.argv.slice(2);
if (!base || !token) {
  console.error("usage: node main.js BASE_URL ADMIN_TOKEN");
  process.exit(2);
}

const client = createClient<paths, "application/json" | "application/problem+json">({
  baseUrl: base,
  headers: { Authorization: `Bearer ${token}`, Accept: "application/json, application/problem+json" },
});

class Mismatch extends Error {}

function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Mismatch(message);
}

function describe(res: Response, body: unknown): string {
  const text = JSON.stringify(body) ?? String(body);
  return `${res.url}: unexpected ${res.status} (${res.headers.get("Content-Type")}): ${text.slice(0, 300)}`;
}

async function checkScorecard(): Promise<void> {
  const list = await client.GET("/api/v1/scorecards");
  check(list.data !== undefined, describe(list.response, list.error));
  const first = list.data.data[0];
  check(first !== undefined && list.data.n === list.data.data.length, `${list.data.data.length} scorecards, n = ${list.data.n}`);
  const res = await client.GET("/api/v1/scorecards/{id}", { params: { path: { id: first.id }, query: { area: "839" } } });
  check(res.data !== undefined, describe(res.response, res.error));
  const sc = res.data;
  check(sc.id === first.id && sc.title !== "" && sc.priorities.length > 0, `scorecard ${first.id}: id ${sc.id}, ${sc.priorities.length} priorities`);
  const rows = sc.priorities.reduce((n, p) => n + p.rows.length, 0);
  const s = sc.summary;
  const counted = s.green + s.amber + s.red + s.no_data + s.no_target + s.suppressed;
  check(counted === rows, `scorecard ${first.id}: the RAG summary counts ${counted} rows, the priorities hold ${rows}`);
}

async function checkExactValue(): Promise<void> {
  const res = await client.GET("/api/v1/indicators/{id}/evaluations", {
    params: { path: { id: "cin-rate" }, query: { area: "420" } },
  });
  check(res.data !== undefined, describe(res.response, res.error));
  const values = res.data.data.map((e) => e.value);
  check(values.includes(980.4), `no value of cin-rate for area 420 is 980.4: ${values.join(", ")}`);
}

async function readAll(limit: number): Promise<{ keys: Set<string>; pages: number }> {
  const keys = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 1; ; pages++) {
    const res = await client.GET("/api/v1/evaluations", { params: { query: { limit, cursor } } });
    check(res.data !== undefined, describe(res.response, res.error));
    const page = res.data;
    check(page.n === page.data.length, `page ${pages}: n = ${page.n} but ${page.data.length} rows`);
    check(page.data.length <= limit, `page ${pages}: ${page.data.length} rows, more than the limit ${limit}`);
    for (const e of page.data) {
      const k = `${e.indicator}|${e.area.code}|${e.period}`;
      check(!keys.has(k), `page ${pages}: evaluation ${k} seen twice`);
      keys.add(k);
    }
    if (!page.next_cursor) return { keys, pages };
    check(pages < 1000, "more than 1000 pages: the cursor does not advance");
    cursor = page.next_cursor;
  }
}

async function checkPaging(): Promise<void> {
  const small = await readAll(1000);
  const large = await readAll(7000);
  console.log(`contract-ts: ${small.keys.size} evaluations in ${small.pages} pages of 1000, ${large.keys.size} in ${large.pages} pages of 7000`);
  check(small.pages > 1, `${small.keys.size} evaluations in ${small.pages} page(s): expected more than one page of 1000`);
  check(small.keys.size === large.keys.size, `${small.keys.size} evaluations in pages of 1000 but ${large.keys.size} in pages of 7000`);
  for (const k of small.keys) check(large.keys.has(k), `evaluation ${k} is in the pages of 1000 but not in those of 7000`);
}

const header = "indicator,area,period,value\n";

function upload(csv: string) {
  return client.POST("/api/v1/datasets/{name}/revisions", {
    params: { path: { name: "local_returns" }, header: { "X-Uploaded-By": "contract-ts", "X-File-Name": "contract-ts.csv" } },
    body: csv,
    bodySerializer: (body) => body,
    headers: { "Content-Type": "text/csv" },
  });
}

async function checkUpload(): Promise<void> {
  const res = await upload(header + "secondary-good-outstanding-schools,836,2016-17 Q4,83.5\n");
  check(res.response.status === 201 && res.data !== undefined, describe(res.response, res.error));
  check("evaluation" in res.data, `201 without an evaluation: ${describe(res.response, res.data)}`);
  const rev = res.data.revision;
  check(rev.id > 0 && rev.rows === 1 && rev.status === "accepted", `revision ${rev.id} with ${rev.rows} rows, status ${rev.status}`);
}

async function checkRejectedUpload(): Promise<void> {
  const res = await upload(
    header + "secondary-good-outstanding-schools,836,2016-17 Q4,abc\n" + "secondary-good-outstanding-schools,Atlantis,2016-17 Q4,1\n",
  );
  check(res.response.status === 422 && res.error !== undefined, describe(res.response, res.data));
  const ct = res.response.headers.get("Content-Type") ?? "";
  check(ct.startsWith("application/problem+json"), `422 with Content-Type ${ct}`);
  const p: Problem = res.error;
  check(
    p.status === 422 && p.code === "invalid" && p.title !== "" && p.detail !== "" &&
      p.instance === "/api/v1/datasets/local_returns/revisions" && p.type.endsWith("#invalid"),
    `problem ${JSON.stringify(p)}`,
  );
  const problems = p.problems ?? [];
  check(p.total === 2 && problems.length === 2, `problems ${JSON.stringify(problems)}, total ${p.total}: want the two bad rows`);
  const seen = new Set(problems.map((d) => `${d.row}/${d.column}`));
  for (const want of ["2/value", "3/area"]) check(seen.has(want), `no problem at row/column ${want}: ${JSON.stringify(problems)}`);
}

async function checkNotFound(): Promise<void> {
  const res = await client.GET("/api/v1/indicators/{id}", { params: { path: { id: "no-such-indicator" } } });
  check(res.response.status === 404 && res.error !== undefined, describe(res.response, res.data));
  const p: Problem = res.error;
  check(p.code === "not_found" && p.status === 404 && p.instance === "/api/v1/indicators/no-such-indicator", `problem ${JSON.stringify(p)}`);
}

const steps: [string, () => Promise<void>][] = [
  ["scorecard", checkScorecard],
  ["float64", checkExactValue],
  ["paging", checkPaging],
  ["upload", checkUpload],
  ["rejected upload", checkRejectedUpload],
  ["problem details", checkNotFound],
];

for (const [name, fn] of steps) {
  const start = Date.now();
  try {
    await fn();
  } catch (e) {
    console.error(`contract-ts: FAIL: ${name}: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  console.log(`contract-ts: ${name} ok (${Date.now() - start}ms)`);
}
console.log("contract-ts: ok");
