package charts

import (
	"bytes"
	"html/template"
)

// Table is the figures of a chart as a data table: its text alternative (WCAG 2.2 SC 1.1.1), shown
// beside the chart so a reader can check every value it draws.
type Table struct {
	Caption string
	// Columns are the column headers; Columns[0] heads the column of row headers.
	Columns []string
	Rows    []Row
}

// Row is one row of a Table: a row header and its cells, one per column after the first.
type Row struct {
	Header string
	Cells  []string
	// Numeric marks the cells that are numbers (right-aligned); nil means none.
	Numeric []bool
}

var tableTemplate = template.Must(template.New("table").Parse(`<table class="chart-data">
<caption>{{.Caption}}</caption>
<thead><tr>{{range .Columns}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr><th scope="row">{{.Header}}</th>{{range .Cells}}<td{{if .Numeric}} class="num"{{end}}{{with .Label}} data-label="{{.}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>`))

type cellView struct {
	Text    string
	Numeric bool
	Label   string // the column's header, for narrow screens that show each row as a card
}

type rowView struct {
	Header string
	Cells  []cellView
}

type tableView struct {
	Caption string
	Columns []string
	Rows    []rowView
}

// HTML renders the table as an HTML <table> with a caption and header cells (class chart-data).
func (t Table) HTML() template.HTML {
	var b bytes.Buffer
	v := tableView{Caption: t.Caption, Columns: t.Columns}
	for _, r := range t.Rows {
		rv := rowView{Header: r.Header}
		for i, c := range r.Cells {
			label := ""
			if i+1 < len(t.Columns) {
				label = t.Columns[i+1]
			}
			rv.Cells = append(rv.Cells, cellView{c, i < len(r.Numeric) && r.Numeric[i], label})
		}
		v.Rows = append(v.Rows, rv)
	}
	if err := tableTemplate.Execute(&b, v); err != nil {
		// Unreachable: the template only reads strings of t.
		panic(err)
	}
	return template.HTML(b.String())
}
