package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

type requestKey struct{}

// request is what the outermost middleware learns of a request from the
// handlers below it: their requests are copies with richer contexts.
type request struct {
	id     string
	viewer Viewer
}

// RequestIDHeader carries the request id to the client (and from a proxy
// that already assigned one).
const RequestIDHeader = "X-Request-Id"

// WithRequestID gives r an id that its log lines and error page show, so
// a user can quote it and the operator can find the request. A sane id
// set by a proxy in front is kept, so both logs agree.
func WithRequestID(w http.ResponseWriter, r *http.Request) *http.Request {
	id := r.Header.Get(RequestIDHeader)
	if !saneID(id) {
		b := make([]byte, 8)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	w.Header().Set(RequestIDHeader, id)
	return r.WithContext(context.WithValue(r.Context(), requestKey{}, &request{id: id}))
}

// RequestID is the id of the request ctx belongs to ("" outside one).
func RequestID(ctx context.Context) string {
	if rq, ok := ctx.Value(requestKey{}).(*request); ok {
		return rq.id
	}
	return ""
}

// RequestViewer is the user the request was authenticated as, also when
// asked from outside the handler that authenticated it (the access log).
func RequestViewer(ctx context.Context) Viewer {
	if rq, ok := ctx.Value(requestKey{}).(*request); ok {
		return rq.viewer
	}
	return nil
}

func saneID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
