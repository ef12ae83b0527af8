package definitions

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Diff is what changed between two revisions of a definition: the text line by line, and the
// decoded definition field by field (so that a change of layout, or YAML against JSON, shows as
// no field change).
type Diff struct {
	Kind Kind   `json:"kind"`
	ID   string `json:"id"`
	// From is the earlier revision compared, To the later one.
	From int64 `json:"from"`
	To   int64 `json:"to"`
	// Lines is the text diff: every line of both bodies, in order, marked "=" (in both), "-"
	// (only in From) or "+" (only in To).
	Lines []LineChange `json:"lines"`
	// Fields lists the fields whose value differs, by path (priorities[0].items[1].indicator).
	Fields []FieldChange `json:"fields"`
	// Added and Removed count the lines only in To and only in From.
	Added   int `json:"added"`
	Removed int `json:"removed"`
}

// LineChange is one line of a text diff.
type LineChange struct {
	Op string `json:"op"` // "=", "-" or "+"
	// FromLine and ToLine are the line's numbers (from 1) in each body, 0 when absent there.
	FromLine int    `json:"from_line,omitempty"`
	ToLine   int    `json:"to_line,omitempty"`
	Text     string `json:"text"`
}

// FieldChange is one field whose value differs. From or To is absent (null) when the field
// exists only on the other side.
type FieldChange struct {
	Path string `json:"path"`
	From any    `json:"from"`
	To   any    `json:"to"`
}

// MaxDiffLines is the longest body, in lines, that is diffed line by line; a longer one is
// reported as wholly replaced (the diff is quadratic in the number of lines).
const MaxDiffLines = 4000

// Compare diffs two revisions: their bodies line by line, and field by field as YAML (JSON is
// YAML) decodes them. A body that does not decode has no fields.
func Compare(from, to *Revision) (*Diff, error) {
	d := &Diff{Kind: to.Kind, ID: to.ID, From: from.Revision, To: to.Revision}
	d.Lines = diffLines(splitLines(from.Body), splitLines(to.Body))
	for _, l := range d.Lines {
		switch l.Op {
		case "+":
			d.Added++
		case "-":
			d.Removed++
		}
	}
	a, err := flatten(decodeBody(from.Body))
	if err != nil {
		return nil, err
	}
	b, err := flatten(decodeBody(to.Body))
	if err != nil {
		return nil, err
	}
	paths := map[string]bool{}
	for p := range a {
		paths[p] = true
	}
	for p := range b {
		paths[p] = true
	}
	d.Fields = []FieldChange{}
	for p := range paths {
		va, okA := a[p]
		vb, okB := b[p]
		if okA && okB && fmt.Sprint(va) == fmt.Sprint(vb) {
			continue
		}
		d.Fields = append(d.Fields, FieldChange{Path: p, From: va, To: vb})
	}
	sort.Slice(d.Fields, func(i, j int) bool { return d.Fields[i].Path < d.Fields[j].Path })
	return d, nil
}

// Text is the diff as unified-diff text (every line, with "-", "+" or " " in front).
func (d *Diff) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s %s revision %d\n+++ %s %s revision %d\n", d.Kind, d.ID, d.From, d.Kind, d.ID, d.To)
	for _, l := range d.Lines {
		op := l.Op
		if op == "=" {
			op = " "
		}
		b.WriteString(op + l.Text + "\n")
	}
	return b.String()
}

// decodeBody is the body's YAML as generic values (nil when it does not decode).
func decodeBody(body string) any {
	var v any
	if err := yaml.Unmarshal([]byte(body), &v); err != nil {
		return nil
	}
	return v
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// diffLines is the longest-common-subsequence diff of a and b.
func diffLines(a, b []string) []LineChange {
	out := []LineChange{}
	if len(a) > MaxDiffLines || len(b) > MaxDiffLines {
		for i, l := range a {
			out = append(out, LineChange{Op: "-", FromLine: i + 1, Text: l})
		}
		for j, l := range b {
			out = append(out, LineChange{Op: "+", ToLine: j + 1, Text: l})
		}
		return out
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, LineChange{Op: "=", FromLine: i + 1, ToLine: j + 1, Text: a[i]})
			i++
			j++
		// Removals before additions, as unified diffs show a replaced line.
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, LineChange{Op: "-", FromLine: i + 1, Text: a[i]})
			i++
		default:
			out = append(out, LineChange{Op: "+", ToLine: j + 1, Text: b[j]})
			j++
		}
	}
	return out
}

// flatten turns a value's JSON into path -> scalar (objects by key, arrays by index); an empty
// object or array is kept as itself.
func flatten(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("definitions: diff: %w", err)
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return nil, fmt.Errorf("definitions: diff: %w", err)
	}
	out := map[string]any{}
	var walk func(path string, x any)
	walk = func(path string, x any) {
		switch t := x.(type) {
		case map[string]any:
			if len(t) == 0 && path != "" {
				out[path] = t
			}
			for k, v := range t {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(p, v)
			}
		case []any:
			if len(t) == 0 {
				out[path] = t
			}
			for i, v := range t {
				walk(fmt.Sprintf("%s[%d]", path, i), v)
			}
		default:
			out[path] = t
		}
	}
	if tree == nil {
		return out, nil
	}
	walk("", tree)
	return out, nil
}
