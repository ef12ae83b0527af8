package datasets

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
