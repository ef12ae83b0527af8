package datasets

import (
	"bytes"
	"unicode/utf8"

	"github.com/childrens-trust/scorecard/errs"
	"golang.org/x/text/encoding/charmap"
)

// decodeText returns the file as UTF-8 text: a UTF-8 byte-order mark is dropped, valid UTF-8 is
// kept, and anything else is read as Windows-1252 (what Excel writes for "CSV" on Windows).
// UTF-16 and binary files are refused with a reason the user can act on.
func decodeText(data []byte) (text []byte, encoding string, err error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
		if !utf8.Valid(data) {
			return nil, "", errs.Errorf(errs.Invalid, "the file starts with a UTF-8 byte-order mark but is not valid UTF-8")
		}
		return data, "utf-8-bom", nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return nil, "", errs.Errorf(errs.Invalid, "the file is UTF-16; save it as \"CSV UTF-8\" or plain CSV")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, "", errs.Errorf(errs.Invalid, "the file is not text (it contains NUL bytes); upload a CSV file")
	}
	if utf8.Valid(data) {
		return data, "utf-8", nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return nil, "", errs.Errorf(errs.Invalid, "the file is neither UTF-8 nor Windows-1252 text")
	}
	return out, "windows-1252", nil
}
