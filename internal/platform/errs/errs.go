// Package errs is the project's one business error type: a code, a
// Chinese message for the user and the field it concerns. The web layer
// maps codes to HTTP status in exactly one place (web.StatusOf).
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error for the user and the HTTP layer.
type Code string

const (
	CodeInvalid      Code = "invalid"
	CodeNotFound     Code = "not_found"
	CodeConflict     Code = "conflict"
	CodeForbidden    Code = "forbidden"
	CodeUnauthorized Code = "unauthorized"
	CodeTooMany      Code = "too_many_requests"
	CodeInternal     Code = "internal"
)

// Error is a business error. Message is shown to the user as is.
type Error struct {
	Code    Code
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Invalid reports bad input in field.
func Invalid(field, format string, a ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, a...)}
}

// NotFound reports a missing record.
func NotFound(format string, a ...any) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf(format, a...)}
}

// Conflict reports a state conflict (duplicate, already done).
func Conflict(field, format string, a ...any) *Error {
	return &Error{Code: CodeConflict, Field: field, Message: fmt.Sprintf(format, a...)}
}

// Forbidden reports a missing permission or a record outside the scope.
func Forbidden(format string, a ...any) *Error {
	return &Error{Code: CodeForbidden, Message: fmt.Sprintf(format, a...)}
}

// Unauthorized reports a missing or bad credential.
func Unauthorized(format string, a ...any) *Error {
	return &Error{Code: CodeUnauthorized, Message: fmt.Sprintf(format, a...)}
}

// TooMany reports throttling.
func TooMany(format string, a ...any) *Error {
	return &Error{Code: CodeTooMany, Message: fmt.Sprintf(format, a...)}
}

// As returns the business error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// CodeOf returns err's code, CodeInternal for anything not a business error.
func CodeOf(err error) Code {
	if e, ok := As(err); ok {
		return e.Code
	}
	return CodeInternal
}

// Fields collects several validation errors of one form.
type Fields []*Error

// Add appends an invalid-field error.
func (f *Fields) Add(field, format string, a ...any) {
	*f = append(*f, Invalid(field, format, a...))
}

// Err returns the first error or nil; forms show all, the API the first.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &List{f}
}

// List is several field errors; it unwraps to the first for the API.
type List struct{ Items Fields }

func (l *List) Error() string { return l.Items[0].Error() }
func (l *List) Unwrap() error { return l.Items[0] }

// ByField returns field → message for form rendering.
func ByField(err error) map[string]string {
	m := map[string]string{}
	var l *List
	if errors.As(err, &l) {
		for _, e := range l.Items {
			if _, dup := m[e.Field]; !dup {
				m[e.Field] = e.Message
			}
		}
		return m
	}
	if e, ok := As(err); ok {
		m[e.Field] = e.Message
	}
	return m
}
