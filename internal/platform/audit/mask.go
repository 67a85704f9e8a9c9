package audit

import (
	"encoding/json"
	"strings"
)

// MaskFields replaces the named string fields of a JSON snapshot with a
// masked form (ID numbers for roles that may not see them).
func MaskFields(raw json.RawMessage, fields ...string) json.RawMessage {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return raw
	}
	for _, f := range fields {
		if s, ok := m[f].(string); ok && s != "" {
			m[f] = maskMiddle(s)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return b
}

func maskMiddle(s string) string {
	r := []rune(s)
	if len(r) <= 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:6]) + strings.Repeat("*", len(r)-10) + string(r[len(r)-4:])
}
