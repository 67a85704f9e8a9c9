package archive

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"wuye/internal/platform/auth"
)

// Hit is one result of the one-box search.
type Hit struct {
	Kind        string `json:"kind"` // house | owner | resident | vehicle
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Subtitle    string `json:"subtitle"`
	CommunityID int64  `json:"community_id"`
	URL         string `json:"url"`
}

// KindLabel is the kind's Chinese name.
func (h Hit) KindLabel() string {
	return map[string]string{"house": "房屋", "owner": "业主", "resident": "住户", "vehicle": "车辆"}[h.Kind]
}

const perKind = 10

// Search finds houses, owners, residents and vehicles from one box:
// a house code "3-2-1201" or its number "1201", a name, pinyin initials
// ("zs") or full pinyin ("zhangsan"), the last four digits of a phone, a
// whole phone number, or a plate. Every branch is a range scan on a
// byte-ordered index, so it stays fast at 100k houses.
func (s *Service) Search(ctx context.Context, by *auth.User, q string) ([]Hit, error) {
	q = strings.TrimSpace(q)
	if q == "" || len(q) > 64 {
		return []Hit{}, nil
	}
	scope := Scope(by)
	if scope != nil && len(scope) == 0 {
		return []Hit{}, nil
	}
	lower := strings.ToLower(q)
	allDigits := strings.IndexFunc(q, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
	asciiLetters := strings.IndexFunc(lower, func(r rune) bool { return r < 'a' || r > 'z' }) < 0
	hasHan := strings.IndexFunc(q, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0

	hits := []Hit{}
	run := func(query string, args []any, kind, url string) error {
		c := &cond{args: args}
		col := map[string]string{"house": "h", "owner": "o", "resident": "r", "vehicle": "v"}[kind] + ".community_id"
		c.scope(col, scope)
		where := ""
		if len(c.parts) > 0 {
			where = " AND " + strings.Join(c.parts, " AND ")
		}
		rows, err := s.DB.QueryContext(ctx, fmt.Sprintf(query, where)+fmt.Sprintf(" LIMIT %d", perKind), c.args...)
		if err != nil {
			return fmt.Errorf("search %s: %w", kind, err)
		}
		defer rows.Close()
		for rows.Next() {
			h := Hit{Kind: kind}
			if err := rows.Scan(&h.ID, &h.Title, &h.Subtitle, &h.CommunityID); err != nil {
				return err
			}
			h.URL = fmt.Sprintf(url, h.ID)
			hits = append(hits, h)
		}
		return rows.Err()
	}

	// Houses: a code prefix ("3-2", "3-2-1201") or a number prefix ("1201").
	if !hasHan || strings.ContainsAny(q, "-") {
		lo, hi := prefixRange(strings.ToUpper(q))
		field := "h.number"
		if strings.Contains(q, "-") {
			field = "h.code"
		}
		if err := run(`SELECT h.id, h.code, c.name || ' · ' || h.house_use || ' · ' || h.status, h.community_id
			FROM houses h JOIN communities c ON c.id = h.community_id
			WHERE `+field+` >= $1 AND `+field+` < $2%s ORDER BY `+field+`, h.id`, []any{lo, hi}, "house", "/houses/%d"); err != nil {
			return nil, err
		}
	}

	// People: name prefix, pinyin, phone tail or whole phone.
	var personCond string
	var personArgs []any
	switch {
	case allDigits && len(q) == 4:
		personCond, personArgs = "(%[1]s.phone_tail = $1%[2]s)", []any{q}
	case allDigits && len(q) >= 7:
		personCond, personArgs = "(%[1]s.phone = $1%[2]s)", []any{q}
	case asciiLetters:
		lo, hi := prefixRange(lower)
		personCond, personArgs = "(%[1]s.name_initials = $1 OR (%[1]s.name_py >= $2 AND %[1]s.name_py < $3)%[2]s)", []any{lower, lo, hi}
	case hasHan:
		lo, hi := prefixRange(lower)
		personCond, personArgs = "(%[1]s.name_key >= $1 AND %[1]s.name_key < $2%[2]s)", []any{lo, hi}
	}
	if personCond != "" {
		ownerExtra, residentExtra := "", ""
		if allDigits && len(q) == 4 {
			ownerExtra = " OR o.phone2_tail = $1"
		}
		if err := run(`SELECT o.id, o.name, COALESCE((SELECT min(h.code) FROM house_owners ho JOIN houses h ON h.id = ho.house_id
			WHERE ho.owner_id = o.id AND ho.active), '') || ' · ' || o.phone, o.community_id
			FROM owners o WHERE `+fmt.Sprintf(personCond, "o", ownerExtra)+`%s ORDER BY o.name_py, o.id`, personArgs, "owner", "/owners/%d"); err != nil {
			return nil, err
		}
		if err := run(`SELECT r.id, r.name, h.code || ' · ' || r.kind || ' · ' || r.phone, r.community_id
			FROM residents r JOIN houses h ON h.id = r.house_id WHERE NOT r.moved_out AND `+fmt.Sprintf(personCond, "r", residentExtra)+
			`%s ORDER BY r.name_py, r.id`, personArgs, "resident", "/residents/%d"); err != nil {
			return nil, err
		}
	}

	// Vehicles: plate prefix, with or without the province character.
	if plate := NormPlate(q); len(plate) >= 2 && !allDigits || (allDigits && len(q) >= 3 && len(q) <= 5) {
		lo, hi := prefixRange(plate)
		if err := run(`SELECT v.id, v.plate, h.code || ' · ' || v.color || v.brand, v.community_id
			FROM vehicles v JOIN houses h ON h.id = v.house_id
			WHERE NOT v.removed AND ((v.plate >= $1 AND v.plate < $2) OR (v.plate_tail >= $1 AND v.plate_tail < $2))%s
			ORDER BY v.plate`, []any{lo, hi}, "vehicle", "/vehicles/%d"); err != nil {
			return nil, err
		}
	}
	return hits, nil
}

