package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/engine"
)

// historyChange is a change of the feed as a client reads it.
type historyChange struct {
	Run       int64                 `json:"run"`
	Indicator string                `json:"indicator"`
	Area      struct{ Code string } `json:"area"`
	Period    string                `json:"period"`
	Kind      string                `json:"kind"`
	Changed   []string              `json:"changed"`
	Before    *struct {
		Value  *float64 `json:"value"`
		RAG    string   `json:"rag"`
		Target *float64 `json:"target"`
	} `json:"before"`
	After *struct {
		Value  *float64 `json:"value"`
		RAG    string   `json:"rag"`
		Target *float64 `json:"target"`
	} `json:"after"`
	Cause struct {
		Kind     string     `json:"kind"`
		Dataset  string     `json:"dataset"`
		Revision int64      `json:"revision"`
		By       string     `json:"by"`
		At       *time.Time `json:"at"`
	} `json:"cause"`
	Cursor string `json:"cursor"`
}

type changesJSON struct {
	Data []historyChange `json:"data"`
	N    int             `json:"n"`
	Next string          `json:"next"`
	More bool            `json:"more"`
}

const poole = "secondary-good-outstanding-schools"

// pooleReturn is a local return of Poole's two quarters of secondary pupils in good or
// outstanding schools (target 88%, tolerance 2: 88 and over green, 86 to 88 amber).
func pooleReturn(q3, q4 string) string {
	return "indicator,area,period,value\n" +
		poole + ",836,2016-17 Q3," + q3 + "\n" +
		poole + ",836,2016-17 Q4," + q4 + "\n"
}

func (f *defsFixture) upload(tb testing.TB, csv string) int64 {
	tb.Helper()
	rec := f.call(tb, asAdmin, http.MethodPost, "/api/v1/datasets/local_returns/revisions", "text/csv", csv)
	if rec.Code != http.StatusCreated {
		tb.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	var rev struct {
		Revision struct {
			ID int64 `json:"id"`
		} `json:"revision"`
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &rev); err != nil {
		tb.Fatal(err)
	}
	if rev.Revision.ID != 0 {
		return rev.Revision.ID
	}
	return rev.ID
}

// lastRunAt is the time of the last evaluation run.
func (f *defsFixture) lastRunAt(tb testing.TB) time.Time {
	tb.Helper()
	var t time.Time
	if err := f.app.DB.SQL.QueryRow("SELECT max(run_at) FROM evaluation_run_log").Scan(&t); err != nil {
		tb.Fatal(err)
	}
	return t.UTC()
}

func (f *defsFixture) changes(tb testing.TB, query string) changesJSON {
	tb.Helper()
	rec := f.call(tb, asNone, http.MethodGet, "/api/v1/changes?"+query, "", "")
	if rec.Code != http.StatusOK {
		tb.Fatalf("changes?%s: %d %s", query, rec.Code, rec.Body)
	}
	return decode[changesJSON](tb, rec.Body.Bytes())
}

var asOfMember = regexp.MustCompile(`^\{"as_of":"[^"]*",`)

// TestHistoryAsOfAndChanges is issue 18's story: a return is read (t1), a revised return changes
// one value and its RAG, the scorecard as at t1 is what was read at t1 byte for byte, the change
// feed lists exactly that change with its cause, a restore puts it back as a change, and a new
// target in the definition is a change caused by the definition's revision.
func TestHistoryAsOfAndChanges(t *testing.T) {
	f := newDefsFixture(t, "")
	rev1 := f.upload(t, pooleReturn("85", "90"))
	scorecard := "/api/v1/scorecards/poole-childrens-trust?area=836"
	t1Body := f.call(t, asNone, http.MethodGet, scorecard, "", "").Body.String()
	series := "/api/v1/indicators/" + poole + "/evaluations?area=836"
	t1Series := f.call(t, asNone, http.MethodGet, series, "", "").Body.String()
	// Every other read of evaluations answers as at t1 what it answered at t1.
	others := []string{
		"/api/v1/scorecards/poole-childrens-trust/exceptions?area=836",
		"/api/v1/scorecards/poole-childrens-trust/board?area=836",
		"/api/v1/charts/trend/" + poole + "?area=836",
		"/api/v1/charts/comparison/" + poole + "?area=836",
		"/api/v1/areas/836/scorecard?topic=Schools",
		"/api/v1/evaluations?indicator=" + poole,
		"/api/v1/indicators/" + poole + "/areas?period=2016-17%20Q4",
		"/api/v1/evaluations?indicator=" + poole + "&format=csv",
		"/api/v1/indicators/" + poole + "/data.csv?x=1",
	}
	t1Others := map[string]string{}
	for _, p := range others {
		rec := f.call(t, asNone, http.MethodGet, p, "", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", p, rec.Code, rec.Body)
		}
		t1Others[p] = rec.Body.String()
	}
	t1 := f.lastRunAt(t)
	if !strings.Contains(t1Body, `"value":90`) {
		t.Fatalf("the t1 scorecard does not show 90: %.300s", t1Body)
	}

	rev2 := f.upload(t, pooleReturn("85", "87"))
	now := f.call(t, asNone, http.MethodGet, scorecard, "", "").Body.String()
	if now == t1Body {
		t.Fatal("the revised return changed nothing on the scorecard")
	}
	asOf := t1.Format(time.RFC3339Nano)
	for _, path := range []string{scorecard, series} {
		want := t1Body
		if path == series {
			want = t1Series
		}
		rec := f.call(t, asNone, http.MethodGet, path+"&as_of="+url.QueryEscape(asOf), "", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s as at t1: %d %s", path, rec.Code, rec.Body)
		}
		if got := rec.Header().Get("Scorecard-As-Of"); got != asOf {
			t.Errorf("%s: Scorecard-As-Of %q, want %q", path, got, asOf)
		}
		body := rec.Body.String()
		if !strings.HasPrefix(body, `{"as_of":"`+asOf+`",`) {
			t.Errorf("%s: as_of is not echoed first: %.80s", path, body)
		}
		if got := asOfMember.ReplaceAllString(body, "{"); got != want {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Errorf("%s as at t1 differs from the t1 read at byte %d:\n got …%.300s\nwant …%.300s", path, i, got[max(0, i-100):], want[max(0, i-100):])
		}
	}

	for _, p := range others {
		rec := f.call(t, asNone, http.MethodGet, p+"&as_of="+url.QueryEscape(asOf), "", "")
		got := asOfMember.ReplaceAllString(rec.Body.String(), "{")
		if rec.Code != http.StatusOK || got != t1Others[p] || rec.Header().Get("Scorecard-As-Of") != asOf {
			t.Errorf("%s as at t1: %d, header %q, differs from the t1 read: %v\n%.300s\n%.300s", p, rec.Code,
				rec.Header().Get("Scorecard-As-Of"), got != t1Others[p], got, t1Others[p])
		}
		if now := f.call(t, asNone, http.MethodGet, p, "", "").Body.String(); now == t1Others[p] && !strings.Contains(p, "comparison") {
			t.Errorf("%s: the revised return did not change it, so the as-at read proves nothing", p)
		}
	}

	ch := f.changes(t, "since="+url.QueryEscape(asOf))
	if ch.N != 1 || len(ch.Data) != 1 {
		t.Fatalf("changes since t1: %d, want exactly 1: %+v", ch.N, ch.Data)
	}
	c := ch.Data[0]
	if c.Indicator != poole || c.Area.Code != "E06000029" || c.Period != "2016-17 Q4" || c.Kind != engine.ChangeChanged {
		t.Errorf("change = %+v", c)
	}
	if c.Before == nil || c.After == nil || *c.Before.Value != 90 || *c.After.Value != 87 || c.Before.RAG != "green" || c.After.RAG != "amber" {
		t.Errorf("before/after = %+v / %+v", c.Before, c.After)
	}
	if strings.Join(c.Changed, ",") != "value,rag" {
		t.Errorf("changed = %v, want value,rag", c.Changed)
	}
	if c.Cause.Kind != engine.CauseUpload || c.Cause.Dataset != "local_returns" || c.Cause.Revision != rev2 || c.Cause.By == "" || c.Cause.At == nil {
		t.Errorf("cause = %+v, want the upload of local_returns revision %d", c.Cause, rev2)
	}
	// The same change flat, before and after side by side.
	csv := f.call(t, asNone, http.MethodGet, "/api/v1/changes?format=csv&since="+url.QueryEscape(asOf), "", "")
	lines := strings.Split(strings.TrimSpace(csv.Body.String()), "\n")
	if csv.Code != http.StatusOK || len(lines) != 2 || !strings.HasPrefix(lines[0], "run,at,indicator,area_code,area_name,period,period_end,kind,changed,before_value,after_value") ||
		!strings.Contains(lines[1], ",changed,value; rag,90.0,87.0,90.0,87.0,green,amber,88.0,88.0,") || !strings.Contains(lines[1], ",upload,local_returns,") {
		t.Errorf("changes as CSV: %d\n%s", csv.Code, csv.Body)
	}
	if arrow := f.call(t, asNone, http.MethodGet, "/api/v1/changes?format=arrow&since="+url.QueryEscape(asOf), "", ""); arrow.Code != http.StatusOK ||
		arrow.Header().Get("Content-Type") != "application/vnd.apache.arrow.stream" {
		t.Errorf("changes as Arrow: %d %s", arrow.Code, arrow.Header().Get("Content-Type"))
	}
	// Polling from the cursor: nothing new until something changes.
	again := f.changes(t, "since="+ch.Next)
	if again.N != 0 || again.Next == "" {
		t.Errorf("a poll with nothing new: %d changes, next %q", again.N, again.Next)
	}
	if twice := f.changes(t, "since="+again.Next); twice.N != 0 || twice.Next != again.Next {
		t.Errorf("a second poll with nothing new: %d changes, next %q (was %q)", twice.N, twice.Next, again.Next)
	}

	// Restoring the first revision is a change back, caused by the restore.
	rec := f.call(t, asAdmin, http.MethodPost, fmt.Sprintf("/api/v1/datasets/local_returns/revisions/%d/restore", rev1), "application/json", "")
	if rec.Code/100 != 2 {
		t.Fatalf("restore: %d %s", rec.Code, rec.Body)
	}
	back := f.changes(t, "since="+ch.Next)
	if back.N != 1 || *back.Data[0].Before.Value != 87 || *back.Data[0].After.Value != 90 || back.Data[0].Cause.Kind != engine.CauseRestore {
		t.Fatalf("after the restore: %+v", back.Data)
	}
	// Only evaluated_at and the source revision differ (the restore is a later run, of a new
	// revision): the values and judgements are the t1 ones.
	if got := f.call(t, asNone, http.MethodGet, scorecard, "", "").Body.String(); stripRunFields(got) != stripRunFields(t1Body) {
		t.Errorf("the restore did not bring back the t1 judgements")
	}

	// A new target (92: 90 turns amber) is a change caused by the definition's revision.
	def := f.call(t, asNone, http.MethodGet, "/api/v1/indicators/"+poole+"/revisions/0", "", "")
	if def.Code != http.StatusOK {
		t.Fatalf("revision 0: %d %s", def.Code, def.Body)
	}
	var r0 struct {
		Body string `json:"body"`
	}
	_ = json.Unmarshal(def.Body.Bytes(), &r0)
	yaml := strings.Replace(r0.Body, "value: 88", "value: 92", 1)
	if yaml == r0.Body {
		t.Fatalf("no target 88 in the definition:\n%s", r0.Body)
	}
	rec = f.call(t, asAdmin, http.MethodPut, "/api/v1/indicators/"+poole, "application/yaml", yaml)
	if rec.Code/100 != 2 {
		t.Fatalf("put definition: %d %s", rec.Code, rec.Body)
	}
	defCh := f.changes(t, "since="+back.Next)
	byPeriod := map[string]historyChange{}
	for _, c := range defCh.Data {
		byPeriod[c.Period] = c
		if c.Cause.Kind != engine.CauseDefinition || c.Cause.Revision != 1 {
			t.Errorf("cause of %s: %+v, want definition revision 1", c.Period, c.Cause)
		}
	}
	q4 := byPeriod["2016-17 Q4"]
	if defCh.N != 2 || q4.After == nil || q4.After.RAG != "amber" || *q4.After.Target != 92 || *q4.Before.Target != 88 {
		t.Errorf("changes after the new target: %+v", defCh.Data)
	}
	// The whole feed, filtered to the scorecard and the area, holds the four runs' changes.
	all := f.changes(t, "scorecard=poole-childrens-trust&area=836&since="+url.QueryEscape(asOf))
	if all.N != 4 {
		t.Errorf("scorecard feed since t1: %d changes, want 4", all.N)
	}
	if other := f.changes(t, "indicator=rereferrals&since="+url.QueryEscape(asOf)); other.N != 0 {
		t.Errorf("rereferrals changed: %+v", other.Data)
	}
}

var runFields = regexp.MustCompile(`"evaluated_at":"[^"]*"|"revision":\d+`)

// stripRunFields removes what every run changes: evaluated_at and the source revision.
func stripRunFields(s string) string { return runFields.ReplaceAllString(s, "") }

// TestAsOfBeforeHistoryAndBadValues: before the first evaluation is a 404 that says when the
// first was; a value that is not a time is a 400 naming it.
func TestAsOfBeforeHistoryAndBadValues(t *testing.T) {
	f := newDefsFixture(t, "")
	for _, tt := range []struct {
		query  string
		status int
		text   string
	}{
		{"as_of=2001-01-01", http.StatusNotFound, "nothing was evaluated as at 2001-01-01T23:59:59Z: the first evaluation was at 2026-11-23T"},
		{"as_of=yesterday", http.StatusBadRequest, `yesterday\" is neither a date`},
		{"as_of=2026-13-01", http.StatusBadRequest, `2026-13-01\" is neither a date`},
		{"as_of=2030-01-01", http.StatusOK, ""},
		{"as_of=2030-01-01T00:00:00+00:00", http.StatusOK, ""}, // an unencoded "+" arrives as a space
		{"as_of=2030-01-01T00:00:00%2B00:00", http.StatusOK, ""},
	} {
		rec := f.call(t, asNone, http.MethodGet, "/api/v1/scorecards/poole-childrens-trust?area=836&"+tt.query, "", "")
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.text) {
			t.Errorf("%s: %d %s, want %d with %q", tt.query, rec.Code, rec.Body, tt.status, tt.text)
		}
		if rec.Code != http.StatusOK && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: content type %q", tt.query, rec.Header().Get("Content-Type"))
		}
	}
	// A date is the end of that day, as for as_of: the fixture's runs are all on 23 November.
	if all := f.changes(t, "since=2026-11-22&limit=1"); all.N != 1 || !all.More {
		t.Errorf("changes since 22 November: %d, more %v; want the first of many", all.N, all.More)
	}
	if none := f.changes(t, "since=2026-11-23"); none.N != 0 {
		t.Errorf("changes since the end of 23 November: %d, want none", none.N)
	}
	if none := f.changes(t, "until=2026-11-22"); none.N != 0 {
		t.Errorf("changes until the end of 22 November: %d, want none", none.N)
	}
	// Cursors edited by hand are refused, never passed on to the query.
	edited := func(body string) string { return "c_" + base64.RawURLEncoding.EncodeToString([]byte(body)) }
	for _, c := range []string{"c_notacursor", edited(`{"r":-1}`), edited(`{"r":1,"i":"x","e":"2017-13-40"}`),
		edited(`{"r":1,"i":"x"}`), edited(`[1,2]`)} {
		rec := f.call(t, asNone, http.MethodGet, "/api/v1/changes?since="+url.QueryEscape(c), "", "")
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "is not a cursor this feed gave") {
			t.Errorf("cursor %s: %d %s", c, rec.Code, rec.Body)
		}
	}
	// A cursor past the last run is a poll with nothing new.
	if later := f.changes(t, "since="+edited(`{"r":99999}`)); later.N != 0 || later.More {
		t.Errorf("a cursor past every run: %+v", later)
	}
}

// TestChangeFeedPollContract polls the feed with its cursor while uploads run: every change
// arrives exactly once.
func TestChangeFeedPollContract(t *testing.T) {
	f := newDefsFixture(t, "")
	f.upload(t, pooleReturn("80", "80"))
	// Read the feed to its end: the polls below start after every change made so far.
	start := ""
	for {
		page := f.changes(t, "indicator="+poole+"&since="+start)
		start = page.Next
		if !page.More {
			break
		}
	}

	const uploads = 12
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= uploads; i++ {
			// Each upload changes Q4 only: one change each.
			f.upload(t, pooleReturn("80", fmt.Sprintf("%d", 80+i)))
		}
	}()
	seen := map[string]int{}
	var got []historyChange
	cursor := start
	poll := func() {
		page := f.changes(t, "indicator="+poole+"&limit=1&since="+cursor)
		for _, c := range page.Data {
			seen[fmt.Sprintf("%d/%s/%s", c.Run, c.Period, c.Area.Code)]++
			got = append(got, c)
		}
		cursor = page.Next
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		poll()
	}
	for range 3 {
		poll() // drain what the last uploads made
	}
	if len(got) != uploads {
		t.Errorf("received %d changes, want %d", len(got), uploads)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("change %s received %d times", k, n)
		}
	}
	for i, c := range got {
		if c.After == nil || *c.After.Value != float64(81+i) {
			t.Errorf("change %d: %+v, want the value %d (in order)", i, c.After, 81+i)
		}
	}
}

// TestAsOfScorecardAsDefinedThen: a scorecard changed after t1 (a new title, a row dropped) is
// read as at t1 as it was defined then, byte for byte; a scorecard made after t1 did not exist
// as at t1.
func TestAsOfScorecardAsDefinedThen(t *testing.T) {
	f := newDefsFixture(t, "")
	f.upload(t, pooleReturn("85", "90"))
	path := "/api/v1/scorecards/poole-childrens-trust?area=836"
	t1Body := f.call(t, asNone, http.MethodGet, path, "", "").Body.String()
	t1 := f.lastRunAt(t)

	rev0 := decode[struct {
		Body string `json:"body"`
	}](t, f.call(t, asNone, http.MethodGet, "/api/v1/scorecards/poole-childrens-trust/revisions/0", "", "").Body.Bytes())
	changed := regexp.MustCompile(`(?m)^title: .*$`).ReplaceAllString(rev0.Body, "title: Poole score card, as revised")
	if changed == rev0.Body {
		t.Fatalf("no title line in the scorecard:\n%.300s", rev0.Body)
	}
	if rec := f.call(t, asAdmin, http.MethodPut, "/api/v1/scorecards/poole-childrens-trust", "application/yaml", changed); rec.Code/100 != 2 {
		t.Fatalf("put scorecard: %d %s", rec.Code, rec.Body)
	}
	newCard := strings.Replace(changed, "id: poole-childrens-trust", "id: poole-copy", 1)
	if rec := f.call(t, asAdmin, http.MethodPut, "/api/v1/scorecards/poole-copy", "application/yaml", newCard); rec.Code/100 != 2 {
		t.Fatalf("put new scorecard: %d %s", rec.Code, rec.Body)
	}
	now := f.call(t, asNone, http.MethodGet, path, "", "").Body.String()
	if !strings.Contains(now, "Poole score card, as revised") {
		t.Fatalf("the new title is not read now: %.200s", now)
	}
	asOf := url.QueryEscape(t1.Format(time.RFC3339Nano))
	rec := f.call(t, asNone, http.MethodGet, path+"&as_of="+asOf, "", "")
	if got := asOfMember.ReplaceAllString(rec.Body.String(), "{"); rec.Code != http.StatusOK || got != t1Body {
		t.Errorf("as at t1: %d, differs from the t1 read:\n%.300s\n%.300s", rec.Code, got, t1Body)
	}
	rec = f.call(t, asNone, http.MethodGet, "/api/v1/scorecards/poole-copy?area=836&as_of="+asOf, "", "")
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `scorecard \"poole-copy\" did not exist as at`) {
		t.Errorf("a scorecard made after t1, as at t1: %d %s", rec.Code, rec.Body)
	}
}
