package archive

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
)

// PageScope is the communities a module's page offers in its community
// picker and the one it shows.
type PageScope struct {
	ID    int64 // 0: every community in scope
	List  []*Community
	Names map[int64]string
}

// Name is a community's name.
func (s *PageScope) Name(id int64) string { return s.Names[id] }

// Current is the community shown, nil for all.
func (s *PageScope) Current() *Community {
	for _, c := range s.List {
		if c.ID == s.ID {
			return c
		}
	}
	return nil
}

// PageScope reads community_id from the query (or a posted form) and
// lists the signed-in user's communities. A community the user does not
// see is a 403; with need, the first is chosen when none is given.
func (s *Service) PageScope(r *http.Request, need bool) (*PageScope, error) {
	v := r.URL.Query().Get("community_id")
	if r.Method == http.MethodPost {
		v = r.PostFormValue("community_id")
	}
	u := auth.UserOf(r.Context())
	ps := &PageScope{Names: map[int64]string{}}
	if v = strings.TrimSpace(v); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, errs.Invalid("community_id", "请选择小区")
		}
		if _, err := s.Community(r.Context(), u, id); err != nil {
			return nil, err
		}
		ps.ID = id
	}
	if err := s.listScope(r.Context(), u, ps); err != nil {
		return nil, err
	}
	if need && ps.ID == 0 && len(ps.List) > 0 {
		ps.ID = ps.List[0].ID
	}
	return ps, nil
}

// PostedScope is the picker of a form posted back with a mistake: the
// posted community stays chosen if the user sees it. A foreign or bad id
// is not an error here; the form's own error already says what is wrong.
func (s *Service) PostedScope(ctx context.Context, u *auth.User, id int64) (*PageScope, error) {
	ps := &PageScope{Names: map[int64]string{}}
	if id > 0 && u.Sees(id) {
		ps.ID = id
	}
	return ps, s.listScope(ctx, u, ps)
}

func (s *Service) listScope(ctx context.Context, u *auth.User, ps *PageScope) error {
	cs, err := s.Communities(ctx, u)
	if err != nil {
		return err
	}
	ps.List = cs
	for _, c := range cs {
		ps.Names[c.ID] = c.Name
	}
	return nil
}

// HouseByCode finds the house of a typed code (3-2-1201, full-width
// dashes and spaces allowed) in a community; a wrong code is an error on
// field.
func (s *Service) HouseByCode(ctx context.Context, u *auth.User, communityID int64, code, field string) (*House, error) {
	code = strings.Join(strings.Fields(strings.ReplaceAll(code, "　", " ")), "")
	code = strings.NewReplacer("－", "-", "—", "-", "–", "-").Replace(code)
	if code == "" {
		return nil, errs.Invalid(field, "请填写房号，如 3-2-1201")
	}
	if communityID <= 0 {
		return nil, errs.Invalid("community_id", "请选择小区")
	}
	if err := see(u, communityID); err != nil {
		return nil, err
	}
	// One row by the (community_id, code) index: the list filter of
	// Houses, an OR over codes, numbers and owners, scans every house of
	// the community twice (count and page), which made this a third of
	// the CPU of ticket registration under load (bench/load_test.go).
	h, err := scanHouse(s.DB.QueryRowContext(ctx, `SELECT `+houseCols+` FROM houses h WHERE h.community_id = $1 AND h.code = $2`,
		communityID, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.Invalid(field, "本小区没有房屋 %s（格式 楼栋-单元-房号，如 3-2-1201）", code)
	}
	if err != nil {
		return nil, err
	}
	h.Owners, err = houseOwners(ctx, s.DB, "ho.house_id = $1 AND ho.active", h.ID)
	return h, err
}
