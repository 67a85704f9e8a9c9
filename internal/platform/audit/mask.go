package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"wuye/internal/platform/web"
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

// isPhoneKey reports whether a snapshot key holds a person's phone:
// phone, phone2, requester_phone, borrower_phone … but not
// community_phone, the service centre's published number.
func isPhoneKey(k string) bool {
	return k == "phone" || k == "phone2" || strings.HasSuffix(k, "_phone") && k != "community_phone"
}

// maskPhones passes every phone of a snapshot, at any depth (a
// renovation's workers, an import's owners), through show, and reports
// whether one changed.
func maskPhones(v any, show func(string) string) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && isPhoneKey(k) {
				if m := show(s); m != s {
					x[k], changed = m, true
				}
			} else if maskPhones(e, show) {
				changed = true
			}
		}
	case []any:
		for _, e := range x {
			if maskPhones(e, show) {
				changed = true
			}
		}
	}
	return changed
}

// shownTo masks the phones in es that the reader in ctx may not see
// (web.Viewer.ShowPhone decides). A community's snapshot keeps its phone:
// that is the service centre's. Without a viewer in ctx — an internal
// caller, not a page or an API response — es is left whole.
func shownTo(ctx context.Context, es []Entry) []Entry {
	v := web.ViewerOf(ctx)
	if v == nil {
		return es
	}
	for i := range es {
		if es[i].Entity == "community" {
			continue
		}
		for _, raw := range []*json.RawMessage{&es[i].Before, &es[i].After} {
			var m any
			d := json.NewDecoder(bytes.NewReader(*raw))
			d.UseNumber() // amounts and ids come back as written
			if d.Decode(&m) != nil || !maskPhones(m, v.ShowPhone) {
				continue
			}
			if b, err := json.Marshal(m); err == nil {
				*raw = b
			}
		}
	}
	return es
}
