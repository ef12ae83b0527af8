// Package staging keeps the exact bytes of previewed uploads for a short while, so that
// confirming a preview stores the file that was previewed, not a second copy the client sends
// again.
//
// A staged upload is a file in a private directory (0700, files 0600) named by a random,
// unguessable id, with its SHA-256, dataset, file name and the token that staged it. Staged
// uploads live in memory and in that directory only: a restart loses them (their files are
// deleted when the store is next used, and when it closes).
package staging

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/childrens-trust/scorecard/errs"
)

// Defaults of a Store.
const (
	// DefaultTTL is how long a staged upload waits for its confirmation.
	DefaultTTL = 30 * time.Minute
	// DefaultMaxPerToken is how many staged uploads one token may hold at once.
	DefaultMaxPerToken = 5
	// DefaultMaxBytes caps the bytes of all staged uploads together (1 GiB).
	DefaultMaxBytes = 1 << 30
)

// Stage is one staged upload.
type Stage struct {
	// ID is the stage's random id (32 hexadecimal digits): knowing it is not enough to confirm
	// it, which takes the token that staged it too.
	ID       string `json:"id"`
	Dataset  string `json:"dataset"`
	FileName string `json:"file_name"`
	// TokenID is the API token that staged it ("" with authentication off).
	TokenID string `json:"-"`
	SHA256  string `json:"sha256"`
	// Merge records that the upload asked for a merge (datasets.Upload.Merge), so that its
	// confirmation stores the merge that was previewed, not a replacement.
	Merge     bool      `json:"merge,omitempty"`
	Bytes     int64     `json:"bytes"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`

	path string
}

// Store holds staged uploads. Its zero value (with the defaults) is ready to use; it is safe
// for concurrent use.
type Store struct {
	// Dir is the private directory of the staged files; "" means a new directory of the store's
	// own in os.TempDir() (scorecard-staged-*), removed on Close. It is created 0700; files in a
	// configured Dir that look like staged uploads are deleted on first use (a restart loses
	// staged uploads).
	Dir string
	// TTL, MaxPerToken and MaxBytes: 0 means DefaultTTL, DefaultMaxPerToken, DefaultMaxBytes.
	TTL         time.Duration
	MaxPerToken int
	MaxBytes    int64
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	mu       sync.Mutex
	ready    bool
	dir      string
	stages   map[string]*Stage
	writing  map[string]int // token -> stages being written
	reserved int64          // bytes of stages (kept and being written)
}

// fileName matches the names of staged files.
var fileName = regexp.MustCompile(`^[0-9a-f]{32}\.upload$`)

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Store) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultTTL
}

func (s *Store) maxPerToken() int {
	if s.MaxPerToken > 0 {
		return s.MaxPerToken
	}
	return DefaultMaxPerToken
}

func (s *Store) maxBytes() int64 {
	if s.MaxBytes > 0 {
		return s.MaxBytes
	}
	return DefaultMaxBytes
}

// init creates the directory and clears what an earlier process left in it. s.mu is held.
func (s *Store) init() error {
	if s.ready {
		return nil
	}
	dir := s.Dir
	if dir == "" {
		// A directory of its own (made 0700), so that two stores in one process (or two
		// servers on one machine) never clear each other's files.
		d, err := os.MkdirTemp("", "scorecard-staged-")
		if err != nil {
			return fmt.Errorf("staging: create a private directory: %w", err)
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("staging: create %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("staging: %s is not a directory", dir)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("staging: make %s private: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("staging: read %s: %w", dir, err)
	}
	for _, e := range entries {
		if fileName.MatchString(e.Name()) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	s.dir, s.ready = dir, true
	s.stages = map[string]*Stage{}
	s.writing = map[string]int{}
	return nil
}

// sweep deletes the expired stages. s.mu is held.
func (s *Store) sweep() {
	now := s.now()
	for id, st := range s.stages {
		if !now.Before(st.ExpiresAt) {
			s.drop(id, st)
		}
	}
}

// drop forgets a stage and deletes its file. s.mu is held.
func (s *Store) drop(id string, st *Stage) {
	delete(s.stages, id)
	s.reserved -= st.Bytes
	os.Remove(st.path)
}

// Sweep deletes the expired staged uploads (they are also deleted whenever the store is used).
func (s *Store) Sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ready {
		s.sweep()
	}
}

// Writer receives a staged upload's bytes. Keep makes it a stage; Discard deletes it. One of
// them must be called.
type Writer struct {
	s       *Store
	st      *Stage
	f       *os.File
	h       hash.Hash
	n       int64
	err     error
	settled bool
}

// Create starts a staged upload of fileName into dataset for tokenID. It refuses (errs.Conflict)
// a token that already holds MaxPerToken staged uploads.
func (s *Store) Create(dataset, fileName, tokenID string) (*Writer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.init(); err != nil {
		return nil, err
	}
	s.sweep()
	held := s.writing[tokenID]
	for _, st := range s.stages {
		if st.TokenID == tokenID {
			held++
		}
	}
	if held >= s.maxPerToken() {
		return nil, errs.Errorf(errs.Conflict, "this token already holds %d previewed uploads waiting for confirmation (at most %d): confirm or cancel one, or wait %s for them to expire; nothing was stored",
			held, s.maxPerToken(), s.ttl())
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("staging: random id: %w", err)
	}
	id := hex.EncodeToString(b[:])
	path := filepath.Join(s.dir, id+".upload")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("staging: create file: %w", err)
	}
	s.writing[tokenID]++
	return &Writer{s: s, f: f, h: sha256.New(), st: &Stage{ID: id, Dataset: dataset, FileName: fileName, TokenID: tokenID, path: path}}, nil
}

// SetMerge records on the stage that the upload asked for a merge (Stage.Merge). It is called
// before Keep.
func (w *Writer) SetMerge(merge bool) { w.st.Merge = merge }

// errFull is returned by a Writer when the staged uploads would exceed MaxBytes.
var errFull = errors.New("staging: full")

// Write stores p, refusing (with an error that Full recognises) bytes beyond the store's
// MaxBytes.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.s.mu.Lock()
	if w.s.reserved+int64(len(p)) > w.s.maxBytes() {
		w.s.mu.Unlock()
		w.err = errFull
		return 0, w.err
	}
	w.s.reserved += int64(len(p))
	w.s.mu.Unlock()
	w.n += int64(len(p))
	w.h.Write(p)
	n, err := w.f.Write(p)
	if err != nil {
		w.err = fmt.Errorf("staging: write: %w", err)
		return n, w.err
	}
	return n, nil
}

// Full reports whether err is a Writer's refusal for lack of room.
func Full(err error) bool { return errors.Is(err, errFull) }

// FullError is the error to answer a refusal for lack of room with.
func (s *Store) FullError() error {
	return errs.Errorf(errs.Busy, "previewed uploads waiting for confirmation take all the room set aside for them (%d MiB): confirm or cancel some, or try again later; nothing was stored",
		s.maxBytes()>>20)
}

// Keep ends the writing and makes the bytes written a stage, if their SHA-256 is sha256 (the
// hash of what was read, so the stage holds exactly that file). The stage expires TTL from now.
func (w *Writer) Keep(sha256 string) (*Stage, error) {
	if w.settled {
		return nil, errors.New("staging: writer already settled")
	}
	if w.err != nil {
		w.Discard()
		return nil, w.err
	}
	if err := w.f.Close(); err != nil {
		w.Discard()
		return nil, fmt.Errorf("staging: close: %w", err)
	}
	got := hex.EncodeToString(w.h.Sum(nil))
	if got != sha256 {
		w.Discard()
		return nil, fmt.Errorf("staging: the staged file's SHA-256 %s is not the upload's %s", got, sha256)
	}
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	w.settled = true
	s.writing[w.st.TokenID]--
	if s.writing[w.st.TokenID] <= 0 {
		delete(s.writing, w.st.TokenID)
	}
	w.st.SHA256, w.st.Bytes = got, w.n
	w.st.CreatedAt = s.now().Truncate(time.Second)
	w.st.ExpiresAt = w.st.CreatedAt.Add(s.ttl())
	if !s.ready { // closed meanwhile
		os.Remove(w.st.path)
		s.reserved -= w.n
		return nil, errs.Errorf(errs.Timeout, "the service is stopping; nothing was stored")
	}
	st := *w.st
	s.stages[st.ID] = w.st
	return &st, nil
}

// Discard ends the writing and deletes what was written.
func (w *Writer) Discard() {
	if w.settled {
		return
	}
	w.settled = true
	w.f.Close()
	os.Remove(w.st.path)
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reserved -= w.n
	s.writing[w.st.TokenID]--
	if s.writing[w.st.TokenID] <= 0 {
		delete(s.writing, w.st.TokenID)
	}
}

// notFound is the answer for a stage that does not exist, has expired, belongs to another
// token or to another dataset: the same, so that ids cannot be probed.
func (s *Store) notFound(dataset, id string) error {
	if len(id) > 40 {
		id = id[:40] + "..."
	}
	return errs.Errorf(errs.NotFound, "no previewed upload %q of %s is waiting for confirmation: it was confirmed, cancelled or has expired "+
		"(previews wait %s and do not survive a restart), or it was staged with another token; preview the file again", id, dataset, s.ttl())
}

// Take claims a stage for confirmation: it is removed from the store (so that two confirmations
// cannot both load it) until Release or Delete. A stage that does not exist, has expired, or
// belongs to another token or dataset is errs.NotFound.
func (s *Store) Take(dataset, id, tokenID string) (*Stage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ready {
		return nil, s.notFound(dataset, id)
	}
	s.sweep()
	st, ok := s.stages[id]
	if !ok || st.TokenID != tokenID || st.Dataset != dataset {
		return nil, s.notFound(dataset, id)
	}
	delete(s.stages, id)
	out := *st
	return &out, nil
}

// Release puts back a stage that Take claimed and that was not loaded (it keeps its expiry).
func (s *Store) Release(st *Stage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ready {
		return
	}
	kept := *st
	s.stages[st.ID] = &kept
	s.sweep()
}

// Delete deletes a stage that Take claimed.
func (s *Store) Delete(st *Stage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reserved -= st.Bytes
	os.Remove(st.path)
}

// Open opens a claimed stage's file for reading.
func (s *Store) Open(st *Stage) (*os.File, error) {
	f, err := os.Open(st.path)
	if err != nil {
		return nil, fmt.Errorf("staging: open %s: %w", st.ID, err)
	}
	return f, nil
}

// Cancel deletes a stage of tokenID's (errs.NotFound as Take).
func (s *Store) Cancel(dataset, id, tokenID string) error {
	st, err := s.Take(dataset, id, tokenID)
	if err != nil {
		return err
	}
	s.Delete(st)
	return nil
}

// Close deletes every staged upload, and the default directory (not a configured Dir) if it is
// empty; the store can be used again afterwards (it starts empty).
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ready {
		return nil
	}
	for id, st := range s.stages {
		s.drop(id, st)
	}
	s.ready = false
	if s.Dir == "" {
		os.Remove(s.dir) // only when empty
	}
	return nil
}

// Hash is the SHA-256 of r, hexadecimal.
func Hash(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
