package web

import (
	"encoding/json"
	"strings"
)

// Text is a JSON field that accepts a string or a number and keeps its
// text, so that validation (not the JSON decoder) reports a bad value
// against the right field: "gross_area":"89.50" and "gross_area":89.5
// both arrive as Text("89.50") / Text("89.5").
type Text string

// UnmarshalJSON keeps strings as they are and other tokens as written.
func (t *Text) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		*t = ""
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*t = Text(v)
	default:
		*t = Text(s)
	}
	return nil
}
