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
	return map[string]string{"house": "房屋", "owner": "业主", "resident": "住户", "vehicle": "车辆", "ticket": "工单"}[h.Kind]
}

const perKind = 10

// Search finds houses, owners, residents and vehicles from one box:
// a house code "3-2-1201" or its number "1201", a name, pinyin initials
// ("zs") or full pinyin ("zhangsan"), the last four digits of a phone, a
// whole phone number, or a plate. Every branch is a range scan on a
// byte-ordered index, so it stays fast at 100k houses.
//
// Two rules keep the plans right on both databases, with or without
// statistics and with PostgreSQL's generic plans for prepared statements
// (bench/RESULTS.md has the figures before and after):
//   - each way of naming a record is its own sub-select on one index, in
//     that index's order, with its own LIMIT; the outer query merges and
//     sorts at most a few dozen rows. One WHERE OR-ing the ways, ordered
//     by a column the matching index does not have, let the planner walk
//     a whole index to fill the LIMIT (100+ ms at 150k owners);
//   - the scope is written +x.community_id IN (…): the unary plus keeps
//     SQLite from choosing the community index, which without statistics
//     it takes for the most selective one (it holds 10k+ rows per
//     community), 50–400 ms per search for a scoped user.
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
	// run executes query, in which every %[1]s is the scope condition.
	run := func(query string, args []any, kind, url string) error {
		c := &cond{Args: args}
		col := "+" + map[string]string{"house": "h", "owner": "o", "resident": "r", "vehicle": "v"}[kind] + ".community_id"
		c.Scope(col, scope)
		where := ""
		if len(c.Parts) > 0 {
			where = " AND " + strings.Join(c.Parts, " AND ")
		}
		rows, err := s.DB.QueryContext(ctx, fmt.Sprintf(query, where)+fmt.Sprintf(" LIMIT %d", perKind), c.Args...)
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
			if i := strings.LastIndex(h.Subtitle, " · "); i >= 0 && (kind == "owner" || kind == "resident") {
				// A person's subtitle ends with their phone: found by it,
				// shown as the caller may see it.
				i += len(" · ")
				h.Subtitle = h.Subtitle[:i] + by.ShowPhone(h.Subtitle[i:])
			}
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
			WHERE `+field+` >= $1 AND `+field+` < $2%[1]s ORDER BY `+field+`, h.id`, []any{lo, hi}, "house", "/houses/%d"); err != nil {
			return nil, err
		}
	}

	// People: name prefix, pinyin, phone tail or whole phone.
	var owners, residents []branch
	var personArgs []any
	switch {
	case allDigits && len(q) == 4:
		personArgs = []any{q}
		owners = []branch{{"o.phone_tail = $1", "o.name_py, o.id"}, {"o.phone2_tail = $1", "o.name_py, o.id"}}
		residents = []branch{{"r.phone_tail = $1", "r.name_py, r.id"}}
	case allDigits && len(q) >= 7:
		personArgs = []any{q, PhoneTail(q)}
		owners = []branch{{"o.phone = $1 AND o.phone_tail = $2", "o.id"}}
		residents = []branch{{"r.phone_tail = $2 AND r.phone = $1", "r.id"}}
	case asciiLetters:
		lo, hi := prefixRange(lower)
		personArgs = []any{lower, lo, hi}
		for _, a := range []string{"o", "r"} {
			bs := []branch{{a + ".name_initials = $1", a + ".name_py, " + a + ".id"},
				{a + ".name_py >= $2 AND " + a + ".name_py < $3", a + ".name_py, " + a + ".id"}}
			if a == "o" {
				owners = bs
			} else {
				residents = bs
			}
		}
	case hasHan:
		lo, hi := prefixRange(lower)
		personArgs = []any{lo, hi}
		owners = []branch{{"o.name_key >= $1 AND o.name_key < $2", "o.name_key, o.id"}}
		residents = []branch{{"r.name_key >= $1 AND r.name_key < $2", "r.name_key, r.id"}}
	}
	if owners != nil {
		if err := run(`SELECT o.id, o.name, COALESCE((SELECT min(h.code) FROM house_owners ho JOIN houses h ON h.id = ho.house_id
			WHERE ho.owner_id = o.id AND ho.active), '') || ' · ' || o.phone, o.community_id
			FROM owners o WHERE o.id IN (`+firstOf("owners o", "", owners)+`) ORDER BY o.name_py, o.id`,
			personArgs, "owner", "/owners/%d"); err != nil {
			return nil, err
		}
		if err := run(`SELECT r.id, r.name, h.code || ' · ' || r.kind || ' · ' || r.phone, r.community_id
			FROM residents r JOIN houses h ON h.id = r.house_id
			WHERE r.id IN (`+firstOf("residents r", "NOT r.moved_out AND ", residents)+`) ORDER BY r.name_py, r.id`,
			personArgs, "resident", "/residents/%d"); err != nil {
			return nil, err
		}
	}

	// Vehicles: plate prefix, with or without the province character.
	if plate := NormPlate(q); len(plate) >= 2 && !allDigits || (allDigits && len(q) >= 3 && len(q) <= 5) {
		lo, hi := prefixRange(plate)
		if err := run(`SELECT v.id, v.plate, h.code || ' · ' || v.color || v.brand, v.community_id
			FROM vehicles v JOIN houses h ON h.id = v.house_id
			WHERE v.id IN (`+firstOf("vehicles v", "NOT v.removed AND ", []branch{
			{"v.plate >= $1 AND v.plate < $2", "v.plate"}, {"v.plate_tail >= $1 AND v.plate_tail < $2", "v.plate_tail"}})+`)
			ORDER BY v.plate, v.id`, []any{lo, hi}, "vehicle", "/vehicles/%d"); err != nil {
			return nil, err
		}
	}
	return hits, nil
}

// branch is one indexed way of finding records: a condition and the
// order of the index that answers it.
type branch struct{ cond, order string }

// firstOf selects the ids of the first perKind records of each branch
// from "table alias", each restricted by extra and the scope (%[1]s).
func firstOf(table, extra string, branches []branch) string {
	alias := table[strings.LastIndexByte(table, ' ')+1:]
	parts := make([]string, len(branches))
	for i, b := range branches {
		parts[i] = fmt.Sprintf("SELECT id FROM (SELECT %s.id FROM %s WHERE %s%s%%[1]s ORDER BY %s LIMIT %d) b%d",
			alias, table, extra, b.cond, b.order, perKind, i)
	}
	return strings.Join(parts, " UNION ALL ")
}
