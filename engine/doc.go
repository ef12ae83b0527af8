package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"time"

	"github.com/childrens-trust/scorecard/stats"
)

// An evaluation is stored as a compact binary document: a format byte, then every field of
// Evaluation in the order evaluationCodec lists them. It is private to the engine (readers get
// Evaluation values, and the API encodes those), so it is chosen for the cost of a full
// evaluation: with docVocabulary, a document is a fifth the size of the JSON (299 bytes on
// average on the shipped data) and is written without reflection (docs/PERFORMANCE.md has
// the measurements).
//
// Encoding of each kind of field:
//
//	string         uvarint n: when n is even, n/2 bytes of text follow; when odd, the string
//	               is docVocabulary[(n-1)/2]
//	*float64       0 (nil), or 1 and 8 bytes little-endian IEEE 754
//	float64        8 bytes little-endian IEEE 754
//	int, int64     zig-zag varint
//	bool           0 or 1
//	[]string       uvarint count, strings
//	time.Time      0 (zero), or 1 and varint Unix nanoseconds (read back in UTC)
//	*struct        0 (nil), or 1 and the struct's fields
//	struct         the struct's fields
//
// Commentary is never stored: it is attached when evaluations are read.
//
// To change the format, add a new format byte and keep reading the old one: stored documents
// are only rewritten when their indicator is next evaluated.
const docFormatV1 byte = 0x01

// codec writes and reads the fields of a T.
type codec[T any] struct {
	put func(w *docWriter, v *T)
	get func(r *docReader, v *T)
}

// evaluationCodec lists every stored field of Evaluation.
var evaluationCodec = fields(
	str(func(e *Evaluation) *string { return &e.Indicator }),
	inline(func(e *Evaluation) *AreaRef { return &e.Area },
		str(func(a *AreaRef) *string { return &a.Code }),
		str(func(a *AreaRef) *string { return &a.Name }),
		str(func(a *AreaRef) *string { return &a.Level }),
	),
	str(func(e *Evaluation) *string { return &e.Period }),
	str(func(e *Evaluation) *string { return &e.PeriodKind }),
	str(func(e *Evaluation) *string { return &e.PeriodEnd }),
	optFloat(func(e *Evaluation) **float64 { return &e.Value }),
	str(func(e *Evaluation) *string { return &e.DisplayValue }),
	optFloat(func(e *Evaluation) **float64 { return &e.Numerator }),
	optFloat(func(e *Evaluation) **float64 { return &e.Denominator }),
	str(func(e *Evaluation) *string { return &e.Status }),
	str(func(e *Evaluation) *string { return &e.Marker }),
	part(func(e *Evaluation) **CI { return &e.CI },
		str(func(c *CI) *string { return &c.Method }),
		optFloat(func(c *CI) **float64 { return &c.Lower95 }),
		optFloat(func(c *CI) **float64 { return &c.Upper95 }),
		optFloat(func(c *CI) **float64 { return &c.Lower998 }),
		optFloat(func(c *CI) **float64 { return &c.Upper998 }),
		flag(func(c *CI) *bool { return &c.Published }),
	),
	inline(func(e *Evaluation) *RAG { return &e.RAG },
		str(func(r *RAG) *RAGStatus { return &r.Status }),
		str(func(r *RAG) *string { return &r.Rule }),
		optFloat(func(r *RAG) **float64 { return &r.Target }),
		optFloat(func(r *RAG) **float64 { return &r.Tolerance }),
		str(func(r *RAG) *string { return &r.ToleranceType }),
		optFloat(func(r *RAG) **float64 { return &r.GreenBand }),
		str(func(r *RAG) *string { return &r.TargetSource }),
		part(func(r *RAG) **TargetBaseline { return &r.Baseline },
			str(func(b *TargetBaseline) *string { return &b.Period }),
			optFloat(func(b *TargetBaseline) **float64 { return &b.Value }),
			float(func(b *TargetBaseline) *float64 { return &b.ChangePercent }),
		),
		str(func(r *RAG) *string { return &r.Reason }),
	),
	inline(func(e *Evaluation) *Compared { return &e.Comparators },
		part(func(c *Compared) **Comparator { return &c.England }, comparatorFields...),
		part(func(c *Compared) **Comparator { return &c.Region }, comparatorFields...),
		part(func(c *Compared) **Comparator { return &c.StatisticalNeighbours }, comparatorFields...),
	),
	part(func(e *Evaluation) **Rank { return &e.Rank },
		integer(func(r *Rank) *int { return &r.Position }),
		integer(func(r *Rank) *int { return &r.Of }),
	),
	str(func(e *Evaluation) *string { return &e.Quartile }),
	part(func(e *Evaluation) **Quintile { return &e.Quintile },
		integer(func(q *Quintile) *int { return &q.Position }),
		str(func(q *Quintile) *string { return &q.Label }),
	),
	inline(func(e *Evaluation) *Direction { return &e.Direction },
		part(func(d *Direction) **Change { return &d.Previous }, changeFields...),
		part(func(d *Direction) **Change { return &d.YearAgo }, changeFields...),
	),
	part(func(e *Evaluation) **Trend { return &e.RecentTrend },
		str(func(t *Trend) *stats.TrendLabel { return &t.Label }),
		optFloat(func(t *Trend) **float64 { return &t.Slope }),
		optFloat(func(t *Trend) **float64 { return &t.ChiSquare }),
		strs(func(t *Trend) *[]string { return &t.Periods }),
		str(func(t *Trend) *string { return &t.Reason }),
		str(func(t *Trend) *string { return &t.Method }),
	),
	part(func(e *Evaluation) **Forecast { return &e.Forecast },
		str(func(f *Forecast) *string { return &f.Status }),
		str(func(f *Forecast) *string { return &f.TargetPeriod }),
		optFloat(func(f *Forecast) **float64 { return &f.Target }),
		optFloat(func(f *Forecast) **float64 { return &f.Projected }),
		strs(func(f *Forecast) *[]string { return &f.Periods }),
		str(func(f *Forecast) *string { return &f.Method }),
		str(func(f *Forecast) *string { return &f.Reason }),
	),
	inline(func(e *Evaluation) *SourceRef { return &e.Source },
		str(func(s *SourceRef) *string { return &s.Dataset }),
		int64s(func(s *SourceRef) *int64 { return &s.Revision }),
		integer(func(s *SourceRef) *int { return &s.Row }),
	),
	timestamp(func(e *Evaluation) *time.Time { return &e.EvaluatedAt }),
)

var comparatorFields = []codec[Comparator]{
	str(func(c *Comparator) *string { return &c.Code }),
	str(func(c *Comparator) *string { return &c.Name }),
	optFloat(func(c *Comparator) **float64 { return &c.Value }),
	str(func(c *Comparator) *string { return &c.DisplayValue }),
	str(func(c *Comparator) *string { return &c.Source }),
	str(func(c *Comparator) *stats.Judgement { return &c.Judgement }),
	str(func(c *Comparator) *string { return &c.Method }),
	str(func(c *Comparator) *string { return &c.Reason }),
	str(func(c *Comparator) *string { return &c.Vintage }),
	integer(func(c *Comparator) *int { return &c.N }),
	integer(func(c *Comparator) *int { return &c.Of }),
}

var changeFields = []codec[Change]{
	str(func(c *Change) *string { return &c.Period }),
	optFloat(func(c *Change) **float64 { return &c.Value }),
	optFloat(func(c *Change) **float64 { return &c.Change }),
	optFloat(func(c *Change) **float64 { return &c.ChangePercent }),
	str(func(c *Change) *Travel { return &c.Judgement }),
}

// appendDoc appends ev's document to b.
func appendDoc(b []byte, ev *Evaluation) []byte {
	w := docWriter{b: append(b, docFormatV1)}
	evaluationCodec.put(&w, ev)
	return w.b
}

// readDoc reads a document into ev; strs, when not nil, gives the strings that recur from one
// document to the next.
func readDoc(doc []byte, ev *Evaluation, strs *stringTable) error {
	if len(doc) == 0 || doc[0] != docFormatV1 {
		return errors.New("unknown document format")
	}
	r := docReader{b: doc[1:], strs: strs}
	evaluationCodec.get(&r, ev)
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d bytes left over", len(r.b))
	}
	return r.err
}

// docWriter appends encoded fields.
type docWriter struct{ b []byte }

// docReader consumes encoded fields; the first error sticks and later reads return zero values.
type docReader struct {
	b    []byte
	err  error
	strs *stringTable
}

// stringTable gives one string for the same bytes met again, so a read of many documents
// allocates a recurring text (an indicator's id, an area's code and name, a period) once
// rather than once a document. A slot holds the last string whose hash it has; strings are
// never changed, so evaluations may share them. A nil *stringTable allocates every string.
type stringTable struct {
	seed  maphash.Seed
	slots [stringTableSlots]string
}

// stringTableSlots is how many strings a stringTable remembers: a few times the distinct texts
// of a period's documents (about 200 areas' codes and names).
const stringTableSlots = 2048

// stringTableLongest is the longest string a stringTable keeps: longer texts rarely recur.
const stringTableLongest = 64

func newStringTable() *stringTable { return &stringTable{seed: maphash.MakeSeed()} }

// get is string(b), the string met before when there is one.
func (t *stringTable) get(b []byte) string {
	if t == nil || len(b) == 0 || len(b) > stringTableLongest {
		return string(b)
	}
	slot := &t.slots[maphash.Bytes(t.seed, b)%stringTableSlots]
	if *slot != string(b) { // compares without allocating
		*slot = string(b)
	}
	return *slot
}

var errTruncated = errors.New("document is truncated")

func (r *docReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func (r *docReader) byte() byte {
	if len(r.b) < 1 {
		r.fail(errTruncated)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *docReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errTruncated)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *docReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(errTruncated)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *docReader) float() float64 {
	if len(r.b) < 8 {
		r.fail(errTruncated)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *docReader) string() string {
	n := r.uvarint()
	if n&1 == 1 {
		i := n >> 1
		if i >= uint64(len(docVocabulary)) {
			r.fail(errors.New("unknown vocabulary entry"))
			return ""
		}
		return docVocabulary[i]
	}
	n >>= 1
	if n > uint64(len(r.b)) {
		r.fail(errTruncated)
		return ""
	}
	s := r.strs.get(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (w *docWriter) string(s string) {
	if s != "" {
		if i, ok := docVocabularyIndex[s]; ok {
			w.b = binary.AppendUvarint(w.b, uint64(i)<<1|1)
			return
		}
	}
	w.b = binary.AppendUvarint(w.b, uint64(len(s))<<1)
	w.b = append(w.b, s...)
}

func (w *docWriter) float(f float64) {
	w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(f))
}

func (w *docWriter) flag(ok bool) {
	if ok {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// fields is the codec of a struct whose fields are coded in order.
func fields[T any](fs ...codec[T]) codec[T] {
	return codec[T]{
		put: func(w *docWriter, v *T) {
			for _, f := range fs {
				f.put(w, v)
			}
		},
		get: func(r *docReader, v *T) {
			for _, f := range fs {
				f.get(r, v)
			}
		}}
}

// inline codes a struct-valued field of T with its own fields.
func inline[T, S any](field func(*T) *S, fs ...codec[S]) codec[T] {
	inner := fields(fs...)
	return codec[T]{
		put: func(w *docWriter, v *T) { inner.put(w, field(v)) },
		get: func(r *docReader, v *T) { inner.get(r, field(v)) },
	}
}

// part codes an optional (pointer) struct field of T: a presence byte, then its fields.
func part[T, S any](field func(*T) **S, fs ...codec[S]) codec[T] {
	inner := fields(fs...)
	return codec[T]{
		put: func(w *docWriter, v *T) {
			p := *field(v)
			w.flag(p != nil)
			if p != nil {
				inner.put(w, p)
			}
		},
		get: func(r *docReader, v *T) {
			switch r.byte() {
			case 0:
			case 1:
				p := new(S)
				inner.get(r, p)
				*field(v) = p
			default:
				r.fail(errors.New("bad presence byte"))
			}
		}}
}

// str codes a string field, or one of a string type (a label such as RAGStatus): the same bytes
// either way.
func str[T any, S ~string](field func(*T) *S) codec[T] {
	return codec[T]{
		put: func(w *docWriter, v *T) { w.string(string(*field(v))) },
		get: func(r *docReader, v *T) { *field(v) = S(r.string()) },
	}
}

func optFloat[T any](field func(*T) **float64) codec[T] {
	return codec[T]{
		put: func(w *docWriter, v *T) {
			p := *field(v)
			w.flag(p != nil)
			if p != nil {
				w.float(*p)
			}
		},
		get: func(r *docReader, v *T) {
			switch r.byte() {
			case 0:
			case 1:
				f := r.float()
				*field(v) = &f
			default:
				r.fail(errors.New("bad presence byte"))
			}
		}}
}

func float[T any](field func(*T) *float64) codec[T] {
	return codec[T]{
		put: func(w *docWriter, v *T) { w.float(*field(v)) },
		get: func(r *docReader, v *T) { *field(v) = r.float() },
	}
}

func integer[T any](field func(*T) *int) codec[T] {
	return codec[T]{
		put: func(w *docWriter, v *T) { w.b = binary.AppendVarint(w.b, int64(*field(v))) },
		get: func(r *docReader, v *T) { *field(v) = int(r.varint()) },
	}
}

func int64s[T any](field func(*T) *int64) codec[T] {
	return codec[T]{
		put: func(w *docWriter, v *T) { w.b = binary.AppendVarint(w.b, *field(v)) },
		get: func(r *docReader, v *T) { *field(v) = r.varint() },
	}
}

func flag[T any](field func(*T) *bool) codec[T] {
	return codec[T]{
		put: func(w *docWriter, v *T) { w.flag(*field(v)) },
		get: func(r *docReader, v *T) {
			switch r.byte() {
			case 0:
				*field(v) = false
			case 1:
				*field(v) = true
			default:
				r.fail(errors.New("bad boolean byte"))
			}
		}}
}

func strs[T any](field func(*T) *[]string) codec[T] {
	return codec[T]{
		put: func(w *docWriter, v *T) {
			ss := *field(v)
			w.b = binary.AppendUvarint(w.b, uint64(len(ss)))
			for _, s := range ss {
				w.string(s)
			}
		},
		get: func(r *docReader, v *T) {
			n := r.uvarint()
			if n == 0 {
				return
			}
			if n > uint64(len(r.b)) { // each string takes at least one byte
				r.fail(errTruncated)
				return
			}
			ss := make([]string, n)
			for i := range ss {
				ss[i] = r.string()
			}
			*field(v) = ss
		}}
}

func timestamp[T any](field func(*T) *time.Time) codec[T] {
	return codec[T]{
		put: func(w *docWriter, v *T) {
			t := *field(v)
			w.flag(!t.IsZero())
			if !t.IsZero() {
				w.b = binary.AppendVarint(w.b, t.UnixNano())
			}
		},
		get: func(r *docReader, v *T) {
			switch r.byte() {
			case 0:
			case 1:
				*field(v) = time.Unix(0, r.varint()).UTC()
			default:
				r.fail(errors.New("bad presence byte"))
			}
		}}
}
