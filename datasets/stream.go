package datasets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash"
	"io"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// An upload is read once, as a stream: a countingReader hashes and counts the bytes and enforces
// the size limit, a textDecoder turns them into UTF-8 (deciding the encoding as it goes), and a
// limiter refuses a row, cell or header too big for any real file before encoding/csv buffers
// it. Nothing ever holds the whole file.

// errTooLarge is returned by a countingReader once more than its limit has been read.
var errTooLarge = errors.New("datasets: upload exceeds the size limit")

// countingReader hashes and counts what is read through it, and fails with errTooLarge once
// more than limit bytes (when limit > 0) have been read.
type countingReader struct {
	r     io.Reader
	h     hash.Hash
	n     int64
	limit int64
	err   error
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.h != nil {
		c.h.Write(p[:n])
	}
	if c.limit > 0 && c.n > c.limit {
		c.err = errTooLarge
		return n, c.err
	}
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// Line endings as a textDecoder has seen them.
const (
	eolUnknown   = iota // no line ending yet
	eolPendingCR        // the first line ending seen is a CR; the next byte says which kind
	eolLF               // LF or CRLF: passed through
	eolCR               // classic Mac (CR alone): every CR becomes LF
)

// textDecoder reads an upload as UTF-8 text. It applies the rules decodeText used to apply to a
// whole file, while streaming: a UTF-8 byte-order mark is dropped; UTF-16 is refused from the
// first bytes; a NUL byte refuses the file at once; otherwise the text is passed through as
// UTF-8 until the first byte that is not valid UTF-8, and from there read as Windows-1252
// (valid only when no multi-byte UTF-8 sequence occurs anywhere in the file, which is known at
// the end). A file whose first line ends with CR alone has classic Mac line endings (Excel for
// Mac's "CSV (Macintosh)"), which encoding/csv would read as one enormous line: its CRs become
// LFs.
//
// Encoding problems found only at the end of the file take precedence over any problem the
// parser found in the text, because that text may have been decoded wrongly: the parser must
// call drain and then check encodingErr.
type textDecoder struct {
	src     *bufio.Reader
	started bool
	bom     bool
	line    int // 1-based line of the next raw byte

	nonSpace bool // a byte or character other than white space was read

	win1252     bool // the first invalid UTF-8 byte was seen: decoding as Windows-1252
	sawMulti    bool // a valid multi-byte UTF-8 sequence was seen
	invalidLine int
	invalidByte byte
	haveUndef   bool
	undefLine   int
	undefByte   byte

	fatal   error // an encoding problem that refuses the file (ends the text)
	readErr error // the source failed
	eof     bool

	decoded int64 // bytes of text produced

	eol   int
	chunk []byte
	carry []byte // an incomplete UTF-8 sequence at the end of the last chunk
	out   []byte
	pos   int
}

func newTextDecoder(r io.Reader) *textDecoder {
	return &textDecoder{src: bufio.NewReaderSize(r, 64<<10), line: 1, chunk: make([]byte, 64<<10), carry: make([]byte, 0, utf8.UTFMax)}
}

// Read returns decoded text. At the end it returns io.EOF, or the encoding problem or read error
// that ended the text.
func (d *textDecoder) Read(p []byte) (int, error) {
	for d.pos == len(d.out) {
		if d.eof || d.fatal != nil {
			return 0, d.endErr()
		}
		d.fill()
	}
	n := copy(p, d.out[d.pos:])
	d.pos += n
	d.decoded += int64(n)
	return n, nil
}

func (d *textDecoder) endErr() error {
	switch {
	case d.readErr != nil:
		return d.readErr
	case d.fatal != nil:
		return d.fatal
	}
	return io.EOF
}

// encoding names the encoding read; meaningful once the whole file was read without an
// encoding problem.
func (d *textDecoder) encoding() string {
	switch {
	case d.bom:
		return "utf-8-bom"
	case d.win1252:
		return "windows-1252"
	}
	return "utf-8"
}

// drain reads the rest of the file, still checking its encoding, so that the hash, the size and
// the encoding verdict cover all of it even when parsing stopped early.
func (d *textDecoder) drain() {
	for !d.eof && d.fatal == nil {
		d.fill()
	}
	if d.fatal != nil && !d.eof {
		if _, err := io.Copy(io.Discard, d.src); err != nil && d.readErr == nil {
			d.readErr = err
		}
		d.eof = true
	}
	d.out, d.pos = d.out[:0], 0
}

func (d *textDecoder) start() {
	d.started = true
	head, err := d.src.Peek(64)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		d.readErr, d.eof = err, true
		return
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		d.src.Discard(3)
		d.bom = true
		d.nonSpace = true // the mark is not white space: a file of a mark alone is empty only once decoded
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		d.nonSpace = true
		d.fatal = fileProblem(0, "the file is UTF-16; save it as \"CSV UTF-8\" or plain CSV")
	case looksUTF16(head):
		d.nonSpace = true
		d.fatal = fileProblem(0, "the file is UTF-16 (without a byte-order mark); save it as \"CSV UTF-8\" or plain CSV")
	}
}

func (d *textDecoder) fill() {
	d.out, d.pos = d.out[:0], 0
	if !d.started {
		if d.start(); d.fatal != nil || d.eof {
			return
		}
	}
	k := copy(d.chunk, d.carry)
	n, err := d.src.Read(d.chunk[k:])
	switch {
	case err == io.EOF:
		d.eof = true
	case err != nil:
		d.readErr, d.eof = err, true
	}
	rest := d.decode(d.chunk[:k+n], d.eof)
	d.carry = append(d.carry[:0], rest...)
	if d.eof && d.fatal == nil {
		if d.eol == eolPendingCR {
			d.eol = eolCR
			d.out = append(d.out, '\n')
		}
		d.verdict()
	}
}

// verdict sets the encoding problem that only the whole file reveals.
func (d *textDecoder) verdict() {
	if d.bom || !d.win1252 || d.readErr != nil {
		return
	}
	if d.sawMulti {
		// Valid UTF-8 sequences elsewhere mean the file is UTF-8 with damaged bytes (or two
		// files of different encodings joined): reading it as Windows-1252 would garble the
		// valid part silently.
		d.fatal = fileProblem(d.invalidLine, fmt.Sprintf(
			"the file is UTF-8 but byte 0x%02X on this line is not valid UTF-8 (mixed or damaged encoding); save the file as \"CSV UTF-8\" again", d.invalidByte))
	} else if d.haveUndef {
		d.fatal = fileProblem(d.undefLine, fmt.Sprintf(
			"byte 0x%02X on this line is neither UTF-8 nor Windows-1252 text; save the file as \"CSV UTF-8\"", d.undefByte))
	}
}

// decode decodes data into d.out and returns the bytes it left for the next chunk (the start of
// a UTF-8 sequence cut by the chunk's end).
func (d *textDecoder) decode(data []byte, atEOF bool) []byte {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			switch {
			case c == 0 && !d.bom:
				d.fatal = fileProblem(d.line, "the file is not text (it contains NUL bytes); upload a CSV file")
				return nil
			case c == '\n':
				d.line++
			}
			if !asciiSpace[c] {
				d.nonSpace = true
			}
			d.emit(c)
			i++
			continue
		}
		if !atEOF && !utf8.FullRune(data[i:]) {
			return data[i:]
		}
		r, size := utf8.DecodeRune(data[i:])
		valid := r != utf8.RuneError || size > 1
		switch {
		case d.bom && !valid:
			d.fatal = fileProblem(d.line, "the file starts with a UTF-8 byte-order mark but is not valid UTF-8; save it as \"CSV UTF-8\" again")
			return nil
		case valid && !d.win1252:
			d.sawMulti = true
			if !unicode.IsSpace(r) {
				d.nonSpace = true
			}
			for _, b := range data[i : i+size] {
				d.emit(b)
			}
			i += size
			continue
		case valid:
			d.sawMulti = true // after an invalid byte: the file mixes encodings (reported at the end)
		default:
			if !d.win1252 {
				d.win1252, d.invalidLine, d.invalidByte = true, d.line, c
			}
		}
		// Windows-1252, one byte at a time.
		d.nonSpace = true
		switch c {
		case 0x81, 0x8D, 0x8F, 0x90, 0x9D: // undefined in Windows-1252
			if !d.haveUndef {
				d.haveUndef, d.undefLine, d.undefByte = true, d.line, c
			}
		}
		var buf [utf8.UTFMax]byte
		for _, b := range buf[:utf8.EncodeRune(buf[:], charmap.Windows1252.DecodeByte(c))] {
			d.emit(b)
		}
		i++
	}
	return nil
}

// emit appends one byte of text to d.out, turning classic Mac line endings into LF.
func (d *textDecoder) emit(c byte) {
	switch d.eol {
	case eolUnknown:
		switch c {
		case '\n':
			d.eol = eolLF
		case '\r':
			d.eol = eolPendingCR
			return
		}
	case eolPendingCR:
		if c == '\n' {
			d.eol = eolLF
			d.out = append(d.out, '\r', '\n')
			return
		}
		d.eol = eolCR
		d.out = append(d.out, '\n')
		if c == '\r' {
			c = '\n'
		}
	case eolCR:
		if c == '\r' {
			c = '\n'
		}
	}
	d.out = append(d.out, c)
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// limitError is a row, cell or header too big to accept, found while the file streams in.
type limitError struct {
	row    int // the line the row starts on
	column int // 1-based
	reason string
}

func (e *limitError) Error() string { return e.reason }

// limiter follows the CSV text on its way to encoding/csv (quotes, cells and rows) and fails
// with a *limitError as soon as a row has more than maxColumns cells, a row more than maxLine
// bytes or a cell more than a cell's limit, so that encoding/csv never buffers more than one
// bounded row. A cell is measured as written, quotes included; its exact size is checked once
// encoding/csv has read it, so here the bound is twice the limit (every character a doubled
// quote) plus its two quotes.
type limiter struct {
	r                            io.Reader
	maxColumns, maxCell, maxLine int

	line      int // current line, 1-based
	recStart  int // the line the current row starts on
	inQuote   bool
	cell      int // 1-based index of the current cell
	cellBytes int
	recBytes  int
	recData   bool // the current row has a byte other than a line ending
	header    bool // the current row is the first (the header)
	err       error
}

func newLimiter(r io.Reader, maxColumns, maxCell, maxLine int) *limiter {
	return &limiter{r: r, maxColumns: maxColumns, maxCell: maxCell, maxLine: maxLine, line: 1, recStart: 1, cell: 1, header: true}
}

func (l *limiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		b := p[i]
		l.recBytes++
		l.cellBytes++
		switch {
		case b == '"':
			l.inQuote = !l.inQuote // a doubled quote toggles twice
		case b == '\n':
			l.line++
			if !l.inQuote {
				if l.recData {
					l.header = false
				}
				l.recStart, l.cell, l.cellBytes, l.recBytes, l.recData = l.line, 1, 0, 0, false
				continue
			}
		case b == ',' && !l.inQuote:
			l.cell++
			l.cellBytes = 0
			if l.cell > l.maxColumns {
				l.err = l.tooManyColumns(p[i+1 : n])
				return i, l.err
			}
		}
		if b != '\r' && b != '\n' {
			l.recData = true
		}
		switch {
		case l.cellBytes > 2*l.maxCell+2:
			l.err = &limitError{row: l.recStart, column: l.cell, reason: fmt.Sprintf(
				"the cell is longer than %s; at most %s are accepted in one cell", formatSize(int64(l.maxCell)), formatSize(int64(l.maxCell)))}
			return i, l.err
		case l.recBytes > l.maxLine:
			l.err = &limitError{row: l.recStart, column: l.cell, reason: fmt.Sprintf(
				"the line is longer than %s; at most %s are accepted in one row (with any line breaks inside its quoted cells)", formatSize(int64(l.maxLine)), formatSize(int64(l.maxLine)))}
			return i, l.err
		}
	}
	return n, err
}

// tooManyColumns counts the cells of the current row to its end (reading on without passing
// anything to encoding/csv) and returns the error that states the count and the limit.
func (l *limiter) tooManyColumns(rest []byte) error {
	cells := l.cell
	count := func(b []byte) bool {
		for _, c := range b {
			switch {
			case c == '"':
				l.inQuote = !l.inQuote
			case c == ',' && !l.inQuote:
				cells++
			case c == '\n' && !l.inQuote:
				return true
			}
		}
		return false
	}
	done := count(rest)
	buf := make([]byte, 32<<10)
	for !done {
		n, err := l.r.Read(buf)
		done = count(buf[:n])
		if err != nil {
			break
		}
	}
	what := "the header has"
	if !l.header {
		what = "the row has"
	}
	return &limitError{row: l.recStart, column: l.maxColumns + 1, reason: fmt.Sprintf(
		"%s %s columns; at most %d are accepted", what, groupDigits(cells), l.maxColumns)}
}

// groupDigits writes n with commas between groups of three digits.
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	return string(b)
}
