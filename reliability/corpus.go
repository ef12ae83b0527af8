// Package reliability holds the evidence that bad input, concurrency and crashes never lose or
// corrupt data: the bad-input corpus manifest (testdata/bad/expected.json) with its generated
// files, and a fingerprint of every stored table. Its tests load the corpus through the service
// and the HTTP API, and run uploaders and readers concurrently; the crash and shutdown tests of
// the built binary are in cmd/scorecard.
package reliability

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/childrens-trust/scorecard/store"
)

// Outcomes of a corpus case.
const (
	Rejected = "rejected" // refused by validation: every problem listed, one rejected revision recorded
	Refused  = "refused"  // refused before validation (bad dataset name, too large): nothing recorded
	Accepted = "accepted" // stored as a new revision
)

// DefaultDataset is the dataset corpus files are loaded into unless a case names another.
const DefaultDataset = "local_return"

// CorpusLimit is the upload size limit the corpus is run with: above the 10 MB line, and small
// enough for the over-limit file to be generated in a test (16 MiB).
const CorpusLimit = 16 << 20

// Case is one entry of testdata/bad/expected.json.
type Case struct {
	// File is the file under testdata/bad; empty for a generated file.
	File string `json:"file"`
	// Generate names the generator of a file too big to commit: ten_mb_line, over_limit,
	// twenty_thousand_columns, wide_row or fifty_kb_cell.
	Generate string `json:"generate"`
	// Dataset is the dataset name to load into ("" = DefaultDataset).
	Dataset string `json:"dataset"`
	// Catalog means the file is checked against the indicators NI50, NI51 (proportions) and
	// RATE1 (a rate).
	Catalog bool   `json:"catalog"`
	Outcome string `json:"outcome"`
	// Code is the errs code of a rejected or refused file; Status the HTTP status of its upload.
	Code   string `json:"code"`
	Status int    `json:"status"`
	// Message, when set, is a substring of the error message.
	Message string `json:"message"`
	// Total is the exact number of problems of a rejected file; Details are problems that must
	// be among those listed.
	Total   int      `json:"total"`
	Details []Detail `json:"details"`

	// Rows, Format, Encoding and Columns describe an accepted file.
	Rows     int      `json:"rows"`
	Format   string   `json:"format"`
	Encoding string   `json:"encoding"`
	Columns  []string `json:"columns"`
	// Missing is, per numeric column, the cells read as missing and the markers kept.
	Missing map[string]Missing `json:"missing"`
	// Numbers and Texts are cells that must be read exactly (Row counts data rows from 0).
	Numbers []struct {
		Row    int     `json:"row"`
		Column string  `json:"column"`
		Number float64 `json:"number"`
	} `json:"numbers"`
	Texts []struct {
		Row    int    `json:"row"`
		Column string `json:"column"`
		Text   string `json:"text"`
	} `json:"texts"`
	// Lines are the file lines of the data rows, when given.
	Lines []int `json:"lines"`
}

// Detail is a problem a rejected file must list.
type Detail struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Reason string `json:"reason"`
	Value  string `json:"value"`
}

// Missing is what an accepted file's numeric column read as missing.
type Missing struct {
	Count   int            `json:"count"`
	Markers map[string]int `json:"markers"`
}

// Name is the case's name: its file, or its generator.
func (c Case) Name() string {
	if c.File != "" {
		return strings.TrimSuffix(c.File, ".csv")
	}
	return c.Generate
}

// DatasetName is the dataset the case is loaded into.
func (c Case) DatasetName() string {
	if c.Dataset != "" {
		return c.Dataset
	}
	return DefaultDataset
}

// LoadCorpus reads the manifest in dir (testdata/bad).
func LoadCorpus(dir string) ([]Case, error) {
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		return nil, fmt.Errorf("read corpus manifest: %w", err)
	}
	var m struct {
		About string `json:"about"`
		Cases []Case `json:"cases"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode corpus manifest: %w", err)
	}
	return m.Cases, nil
}

// Data returns the case's file: read from dir, or generated.
func (c Case) Data(dir string) ([]byte, error) {
	switch c.Generate {
	case "":
		return os.ReadFile(filepath.Join(dir, c.File))
	case "ten_mb_line":
		// One line of 10 MB: a value of ten million digits.
		var b bytes.Buffer
		b.WriteString("indicator,area,period,value\nNI50,836,2015-16,")
		b.Write(bytes.Repeat([]byte{'9'}, 10<<20))
		b.WriteString("\n")
		return b.Bytes(), nil
	case "twenty_thousand_columns":
		// A header of 20,000 columns (the finding: a 500 from DuckDB running out of memory).
		var b bytes.Buffer
		b.WriteString("indicator,area,period,value")
		for i := 5; i <= 20000; i++ {
			fmt.Fprintf(&b, ",c%d", i)
		}
		b.WriteString("\nNI50,836,2015-16,58.8" + strings.Repeat(",x", 20000-4) + "\n")
		return b.Bytes(), nil
	case "wide_row":
		// A good row, then one of 600 cells under a four-column header.
		return []byte("indicator,area,period,value\nNI50,836,2015-16,58.8\nNI50,836,2016-17,58.8" + strings.Repeat(",x", 600-4) + "\n"), nil
	case "fifty_kb_cell":
		// A note of 50 KiB: over the cell limit, under the line limit.
		return []byte("indicator,area,period,value,note\nNI50,836,2015-16,58.8," + strings.Repeat("n", 50<<10) + "\n"), nil
	case "over_limit":
		// A valid simple return one row past CorpusLimit.
		var b bytes.Buffer
		b.WriteString("indicator,area,period,value,note\n")
		for i := 0; b.Len() <= CorpusLimit; i++ {
			fmt.Fprintf(&b, "NI50,836,%d,%d,padding row\n", 1900+i%200, i)
		}
		return b.Bytes(), nil
	}
	return nil, fmt.Errorf("unknown generator %q", c.Generate)
}

// Fingerprint is a digest of every row of every table in the database, by table name.
type Fingerprint map[string]string

// TakeFingerprint hashes every base table listed by duckdb_tables(): each row rendered as text,
// the rows sorted, then SHA-256 over them with the row count. skip, when non-nil, gives a
// WHERE condition that leaves rows out of the named table (for example the one audit row a
// rejected upload adds to revisions); its value is bound as the single argument.
func TakeFingerprint(ctx context.Context, db *sql.DB, skip map[string]Skip) (Fingerprint, error) {
	rows, err := db.QueryContext(ctx, `SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY schema_name, table_name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	type tbl struct{ schema, name string }
	var tables []tbl
	for rows.Next() {
		var t tbl
		if err := rows.Scan(&t.schema, &t.name); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	fp := Fingerprint{}
	for _, t := range tables {
		q := fmt.Sprintf(`SELECT CAST(t AS VARCHAR) AS r FROM %s.%s AS t`, store.QuoteIdent(t.schema), store.QuoteIdent(t.name))
		var args []any
		if s, ok := skip[t.name]; ok {
			q += " WHERE NOT (" + s.Where + ")"
			args = append(args, s.Arg)
		}
		q += " ORDER BY r"
		rs, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("fingerprint %s: %w", t.name, err)
		}
		h := sha256.New()
		n := 0
		for rs.Next() {
			var r string
			if err := rs.Scan(&r); err != nil {
				rs.Close()
				return nil, err
			}
			h.Write([]byte(r))
			h.Write([]byte{0})
			n++
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, err
		}
		fp[t.schema+"."+t.name] = fmt.Sprintf("%d rows %s", n, hex.EncodeToString(h.Sum(nil)))
	}
	return fp, nil
}

// Skip leaves rows out of a fingerprinted table: Where is a condition on the table's columns
// with one ? bound to Arg.
type Skip struct {
	Where string
	Arg   any
}

// Diff lists the tables whose fingerprints differ, appear or disappear, with both values.
func (f Fingerprint) Diff(g Fingerprint) []string {
	var out []string
	for k, v := range f {
		if w, ok := g[k]; !ok {
			out = append(out, fmt.Sprintf("%s: dropped (was %s)", k, v))
		} else if w != v {
			out = append(out, fmt.Sprintf("%s: %s -> %s", k, v, w))
		}
	}
	for k, w := range g {
		if _, ok := f[k]; !ok {
			out = append(out, fmt.Sprintf("%s: created (%s)", k, w))
		}
	}
	return out
}
