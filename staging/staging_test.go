package staging_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/staging"
)

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// A staged file is private (0700 directory, 0600 file), is kept only with the SHA-256 of what
// was written, is claimed once, and is deleted on cancel and on Close.
func TestStagedFilesArePrivateAndDeleted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "staged")
	s := &staging.Store{Dir: dir, MaxBytes: 10}
	w, err := s.Create("local_returns", "a.csv", "tok_a")
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("a,b\n1,2\n")
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	st, err := w.Keep(hashOf(data))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v (%v), want 0700", fi.Mode().Perm(), err)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 1 {
		t.Fatalf("%d files staged, want 1", len(files))
	}
	if fi, _ := files[0].Info(); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := s.Take("local_returns", st.ID, "tok_b"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("another token's take: %v", err)
	}
	// The size cap: 8 bytes are staged, 10 allowed.
	w2, err := s.Create("local_returns", "b.csv", "tok_a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w2.Write(data); !staging.Full(err) {
		t.Errorf("write beyond the cap: %v", err)
	}
	w2.Discard()
	// A writer whose bytes are not the upload's is not kept.
	w3, _ := s.Create("local_returns", "c.csv", "tok_a")
	w3.Write([]byte("x"))
	if _, err := w3.Keep(hashOf([]byte("y"))); err == nil {
		t.Error("kept a stage whose SHA-256 differs")
	}
	if err := s.Cancel("local_returns", st.ID, "tok_a"); err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("%d files left after cancel", len(files))
	}
	w4, _ := s.Create("local_returns", "d.csv", "tok_a")
	w4.Write([]byte("z"))
	if _, err := w4.Keep(hashOf([]byte("z"))); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if files, err := os.ReadDir(dir); err != nil || len(files) != 0 {
		t.Errorf("%d files left after Close (%v)", len(files), err)
	}
}
