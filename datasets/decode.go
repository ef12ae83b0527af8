package datasets

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// decodeText returns the file as UTF-8 text: a UTF-8 byte-order mark is dropped, valid UTF-8 is
// kept, and anything else is read as Windows-1252 (what Excel writes for "CSV" on Windows).
// UTF-16 (with or without a byte-order mark), binary files, files that mix UTF-8 with another
// encoding and bytes that Windows-1252 does not define are refused with a reason the user can
// act on, as an Invalid error with one detail whose row is the line of the offending byte (0 for
// the file as a whole).
func decodeText(data []byte) (text []byte, encoding string, err error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
		if !utf8.Valid(data) {
			return nil, "", fileProblem(lineAt(data, firstInvalidUTF8(data)),
				"the file starts with a UTF-8 byte-order mark but is not valid UTF-8; save it as \"CSV UTF-8\" again")
		}
		return data, "utf-8-bom", nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return nil, "", fileProblem(0, "the file is UTF-16; save it as \"CSV UTF-8\" or plain CSV")
	case looksUTF16(data):
		return nil, "", fileProblem(0, "the file is UTF-16 (without a byte-order mark); save it as \"CSV UTF-8\" or plain CSV")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, "", fileProblem(lineAt(data, i), "the file is not text (it contains NUL bytes); upload a CSV file")
	}
	if utf8.Valid(data) {
		return data, "utf-8", nil
	}
	bad := firstInvalidUTF8(data)
	if hasMultibyteUTF8(data) {
		// Valid UTF-8 sequences elsewhere mean the file is UTF-8 with damaged bytes (or two
		// files of different encodings joined): reading it as Windows-1252 would garble the
		// valid part silently.
		return nil, "", fileProblem(lineAt(data, bad), fmt.Sprintf(
			"the file is UTF-8 but byte 0x%02X on this line is not valid UTF-8 (mixed or damaged encoding); save the file as \"CSV UTF-8\" again", data[bad]))
	}
	for i, b := range data {
		switch b {
		case 0x81, 0x8D, 0x8F, 0x90, 0x9D: // undefined in Windows-1252
			return nil, "", fileProblem(lineAt(data, i), fmt.Sprintf(
				"byte 0x%02X on this line is neither UTF-8 nor Windows-1252 text; save the file as \"CSV UTF-8\"", b))
		}
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return nil, "", fileProblem(0, "the file is neither UTF-8 nor Windows-1252 text")
	}
	return out, "windows-1252", nil
}

// looksUTF16 reports whether data without a byte-order mark looks like UTF-16 text: in its
// first characters, every other byte is NUL (ASCII text in UTF-16LE or BE).
func looksUTF16(data []byte) bool {
	n := min(len(data), 64) &^ 1
	if n < 4 {
		return false
	}
	evenNUL, oddNUL := 0, 0
	for i := 0; i < n; i += 2 {
		if data[i] == 0 {
			evenNUL++
		}
		if data[i+1] == 0 {
			oddNUL++
		}
	}
	pairs := n / 2
	return (oddNUL == pairs && evenNUL == 0) || (evenNUL == pairs && oddNUL == 0)
}

// hasMultibyteUTF8 reports whether data holds at least one valid UTF-8 sequence of two or more
// bytes.
func hasMultibyteUTF8(data []byte) bool {
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r != utf8.RuneError && size > 1 {
			return true
		}
		i += max(size, 1)
	}
	return false
}

// lineAt is the 1-based line number of byte offset i in data.
func lineAt(data []byte, i int) int {
	return 1 + bytes.Count(data[:i], []byte{'\n'})
}

// firstInvalidUTF8 is the offset of the first byte of data that is not part of valid UTF-8.
func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}
