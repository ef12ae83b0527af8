package datasets

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// decodeText returns the file as UTF-8 text: a UTF-8 byte-order mark is dropped, valid UTF-8 is
// kept, and anything else is read as Windows-1252 (what Excel writes for "CSV" on Windows).
// UTF-16 and binary files are refused with a reason the user can act on, as an Invalid error
// with one detail whose row is the line of the offending byte (0 for the file as a whole).
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
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, "", fileProblem(lineAt(data, i), "the file is not text (it contains NUL bytes); upload a CSV file")
	}
	if utf8.Valid(data) {
		return data, "utf-8", nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return nil, "", fileProblem(0, "the file is neither UTF-8 nor Windows-1252 text")
	}
	return out, "windows-1252", nil
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
