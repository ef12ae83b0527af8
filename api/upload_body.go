package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// csvMediaTypes are the content types an upload may be sent as a bare body with ("" is a body
// without a Content-Type).
var csvMediaTypes = map[string]bool{"text/csv": true, "application/csv": true, "text/plain": true, "application/octet-stream": true, "": true}

// uploadBody is an upload's file and its name: the request body (text/csv and the like; the
// name from X-File-Name), or the one part named "file" of a multipart/form-data body, read as a
// stream so the upload is not buffered twice. Each problem has its own answer: a content type
// that cannot be read or is not offered is Unsupported (415); a multipart body without a
// boundary, or that ends before its closing boundary, is Malformed (400); a form without a "file"
// part or with a second one is Invalid (422); the file name is checked by scorecard.App.Load. A client
// that goes away while the body is read gives a ClientClosed error.
//
// The body must keep arriving: a read that waits longer than idle (when > 0; w must then be the
// response writer, for http.ResponseController) ends the upload with a Timeout error, also put in
// *stalled, so a client trickling bytes cannot hold one of the few upload slots for the whole
// write timeout.
func uploadBody(req *http.Request, w http.ResponseWriter, idle time.Duration, stalled *error) (io.ReadCloser, string, error) {
	ct := strings.TrimSpace(req.Header.Get(echo.HeaderContentType))
	var mt string
	var params map[string]string
	if ct != "" {
		var err error
		if mt, params, err = mime.ParseMediaType(ct); err != nil {
			return nil, "", errs.Errorf(errs.Unsupported, "the Content-Type %q cannot be read: send the CSV as the body with Content-Type text/csv, or as multipart/form-data field \"file\"", auth.ValidText(ct))
		}
	}
	body := &clientBody{r: req.Body, idle: idle, stalled: stalled}
	if idle > 0 && w != nil {
		body.rc = http.NewResponseController(w)
	}
	switch {
	case mt == "multipart/form-data":
		boundary := params["boundary"]
		if boundary == "" {
			return nil, "", errs.Errorf(errs.Malformed, "the multipart/form-data Content-Type has no boundary parameter")
		}
		return filePart(multipart.NewReader(body, boundary))
	case csvMediaTypes[mt]:
		name := req.Header.Get("X-File-Name")
		if name == "" {
			name = "upload.csv"
		}
		return struct {
			io.Reader
			io.Closer
		}{body, req.Body}, auth.ValidText(name), nil
	}
	return nil, "", errs.Errorf(errs.Unsupported, "send the CSV as the body with Content-Type text/csv, or as multipart form field \"file\" (got %q)", auth.ValidText(ct))
}

// filePart finds the "file" part, skipping any other fields before it.
func filePart(mr *multipart.Reader) (io.ReadCloser, string, error) {
	for {
		p, err := mr.NextPart()
		if err == io.EOF { // the form ended properly
			return nil, "", errs.Errorf(errs.Invalid, "the multipart form has no file field named \"file\"")
		}
		if err != nil {
			return nil, "", multipartError(err)
		}
		if p.FormName() != "file" {
			if _, err := io.Copy(io.Discard, p); err != nil {
				return nil, "", multipartError(err)
			}
			continue
		}
		name := p.FileName()
		if name == "" {
			name = "upload.csv"
		}
		return &partReader{part: p, mr: mr}, auth.ValidText(name), nil
	}
}

// partReader reads the file part; at its end it reads the rest of the form, so a second "file"
// part or a body cut short is an error rather than silently ignored.
type partReader struct {
	part *multipart.Part
	mr   *multipart.Reader
	err  error
}

func (r *partReader) Read(b []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.part.Read(b)
	if err == io.EOF {
		err = r.rest()
	} else if err != nil {
		err = multipartError(err)
	}
	if err != nil {
		r.err = err
	}
	return n, err
}

// rest reads the parts after the file: io.EOF when the form ends properly with no other file.
func (r *partReader) rest() error {
	for {
		p, err := r.mr.NextPart()
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return multipartError(err)
		}
		if p.FormName() == "file" {
			return errs.Errorf(errs.Invalid, "the multipart form has more than one part named \"file\": send one file per upload")
		}
		if _, err := io.Copy(io.Discard, p); err != nil {
			return multipartError(err)
		}
	}
}

func (r *partReader) Close() error { return nil } // the server closes the request body

// multipartError explains a failure to read a multipart body. Errors that already say what
// happened (the client went away, the size limit) pass through.
func multipartError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	var pe textproto.ProtocolError
	if errors.As(err, &pe) {
		return errs.Errorf(errs.Invalid, "a part of the multipart form has a header that cannot be read (a control character such as NUL in the file name?)")
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errs.Errorf(errs.Malformed, "the multipart body ends before its closing boundary: nothing was stored")
	}
	return errs.Errorf(errs.Malformed, "the multipart body cannot be read (%s): nothing was stored", auth.ValidText(err.Error()))
}

// clientBody reads the request body, turning a body cut short (the client closed the
// connection, or sent less than its Content-Length) into a ClientClosed error.
type clientBody struct {
	r    io.Reader
	rc   *http.ResponseController // sets the read deadline; nil when none is kept
	idle time.Duration
	// stalled, when not nil, receives the Timeout error of a body that stopped arriving: the
	// connection's context is cancelled by then, and the handler must answer with this reason.
	stalled *error
}

func (b *clientBody) Read(p []byte) (int, error) {
	if b.rc != nil {
		// Not every writer supports deadlines (a test recorder does not): then none is kept.
		if b.rc.SetReadDeadline(time.Now().Add(b.idle)) != nil {
			b.rc = nil
		}
	}
	n, err := b.r.Read(p)
	var netErr net.Error
	switch {
	case err == nil, err == io.EOF:
	case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		err = &errs.Error{Code: errs.Timeout, Message: fmt.Sprintf(
			"the upload stopped arriving: no data for %s; nothing was stored. Send the file at once, not a little at a time", b.idle)}
		if b.stalled != nil {
			*b.stalled = err
		}
	default:
		var tooLarge *http.MaxBytesError
		if !errors.As(err, &tooLarge) {
			err = &errs.Error{Code: errs.ClientClosed, Message: fmt.Sprintf("the upload was cut short (%s): nothing was stored", auth.ValidText(err.Error()))}
		}
	}
	return n, err
}
