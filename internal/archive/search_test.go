package archive_test

import (
	"fmt"
	"net/url"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
)

// hitIDs returns the ids of the hits of one kind.
func hitIDs(hits []archive.Hit, kind string) []int64 {
	var ids []int64
	for _, h := range hits {
		if h.Kind == kind {
			ids = append(ids, h.ID)
		}
	}
	return ids
}

func has(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestSearchFindsWhatTheHotlineIsTold(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s := f.App.Archive
		agent := f.Users[auth.RoleCSAgent]
		a, b := f.A.Community.ID, f.B.Community.ID
		ouyang := newOwner(t, f, a, "欧阳修远")
		zeng := newOwner(t, f, a, "曾小明")
		newOwner(t, f, b, "曾小明")
		newOwner(t, f, b, "欧阳修远")

		tests := []struct {
			q    string
			kind string
			want int64
		}{
			{"3-2-1201", "house", f.A.House.ID},
			{"3-2", "house", f.A.House.ID},
			{"1201", "house", f.A.House.ID},
			{"张三", "owner", f.A.Owner.ID},
			{"张", "owner", f.A.Owner.ID},
			{"zs", "owner", f.A.Owner.ID},
			{"ZS", "owner", f.A.Owner.ID},
			{"oyxy", "owner", ouyang.ID},
			{"ouyang", "owner", ouyang.ID},
			{"zhangsan", "owner", f.A.Owner.ID},
			{"zhang", "owner", f.A.Owner.ID},
			{"zxm", "owner", zeng.ID}, // 曾 as a surname reads zeng, not ceng
			{"zengxiaoming", "owner", zeng.ID},
			{f.A.Owner.Phone[7:], "owner", f.A.Owner.ID}, // the last four digits
			{f.A.Owner.Phone, "owner", f.A.Owner.ID},
			{"李四", "resident", f.A.Resident.ID},
			{"ls", "resident", f.A.Resident.ID},
			{f.A.Resident.Phone[7:], "resident", f.A.Resident.ID},
			{"粤B12345", "vehicle", f.A.Vehicle.ID},
			{"粤b12345", "vehicle", f.A.Vehicle.ID},
			{"B12345", "vehicle", f.A.Vehicle.ID},
			{"b123", "vehicle", f.A.Vehicle.ID},
		}
		for _, tt := range tests {
			hits, err := s.Search(ctx, agent, tt.q)
			if err != nil {
				t.Fatalf("search %q: %v", tt.q, err)
			}
			if !has(hitIDs(hits, tt.kind), tt.want) {
				t.Errorf("search %q: %s %d not found in %+v", tt.q, tt.kind, tt.want, hits)
			}
			// B has a 3-2-1201, a 张三, a 曾小明, a 欧阳修远 and a 粤B12345
			// too; an agent of A never sees them.
			for _, h := range hits {
				if h.CommunityID != a {
					t.Errorf("search %q by A's agent returned %s %d of community %d", tt.q, h.Kind, h.ID, h.CommunityID)
				}
			}
		}
		if hits, _ := s.Search(ctx, agent, "zs"); len(hitIDs(hits, "owner")) != 1 {
			t.Errorf("zs: %+v", hits)
		}
		for _, q := range []string{"", "   ", "不存在的人", "9-9-9999", "zzzzqq"} {
			if hits, err := s.Search(ctx, agent, q); err != nil || len(hits) != 0 {
				t.Errorf("search %q: %+v %v", q, hits, err)
			}
		}
		// A user of both communities finds both 张三.
		both := f.NewUser(auth.RoleCSAgent, a, b)
		hits, _ := s.Search(ctx, both, "zs")
		if ids := hitIDs(hits, "owner"); len(ids) != 2 || !has(ids, f.A.Owner.ID) || !has(ids, f.B.Owner.ID) {
			t.Errorf("user of A and B: %+v", hits)
		}
		// A user without any community finds nothing.
		if hits, _ := s.Search(ctx, &auth.User{Role: auth.RoleCSAgent}, "zs"); len(hits) != 0 {
			t.Errorf("user without scope: %+v", hits)
		}
	})
}

func TestSearchAPIAndListQueries(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		c := f.API(auth.RoleCSAgent)
		type item struct {
			Kind        string `json:"kind"`
			ID          int64  `json:"id"`
			Title       string `json:"title"`
			CommunityID int64  `json:"community_id"`
		}
		search := func(q string) []item {
			r := c.Get("/api/v1/search?q=" + url.QueryEscape(q))
			if r.Code != 200 {
				t.Fatalf("search %q: %s", q, r)
			}
			var out struct{ Items []item }
			r.JSON(t, &out)
			return out.Items
		}
		found := func(items []item, kind string, id int64, title string) bool {
			for _, it := range items {
				if it.Kind == kind && it.ID == id && it.Title == title && it.CommunityID == f.A.Community.ID {
					return true
				}
			}
			return false
		}
		for q, want := range map[string]item{
			"3-2-1201": {"house", f.A.House.ID, "3-2-1201", 0},
			"zs":       {"owner", f.A.Owner.ID, "张三", 0},
			"粤B12345":  {"vehicle", f.A.Vehicle.ID, "粤B12345", 0},
		} {
			items := search(q)
			if !found(items, want.Kind, want.ID, want.Title) {
				t.Errorf("search %q: %+v", q, items)
			}
			for _, it := range items {
				if it.CommunityID != f.A.Community.ID {
					t.Errorf("search %q leaked %+v", q, it)
				}
			}
		}
		// The house list searches code, number, owner name and phone tail.
		a := f.A.Community.ID
		for _, q := range []string{"3-2-1201", "1201", "张三", "zs", f.A.Owner.Phone[7:]} {
			r := c.Get(fmt.Sprintf("/api/v1/houses?community_id=%d&q=%s", a, url.QueryEscape(q)))
			var out struct {
				Items []struct{ ID int64 }
				Total int
			}
			r.JSON(t, &out)
			if r.Code != 200 || out.Total != 1 || len(out.Items) != 1 || out.Items[0].ID != f.A.House.ID {
				t.Errorf("houses q=%q: %s", q, r)
			}
		}
		// The owner list too.
		for _, q := range []string{"张三", "zs", "zhang", f.A.Owner.Phone} {
			r := c.Get(fmt.Sprintf("/api/v1/owners?community_id=%d&q=%s", a, url.QueryEscape(q)))
			var out struct {
				Items []struct{ ID int64 }
				Total int
			}
			r.JSON(t, &out)
			if out.Total != 1 || out.Items[0].ID != f.A.Owner.ID {
				t.Errorf("owners q=%q: %s", q, r)
			}
		}
		// Searching for 张三 by name must not bring every other "zs".
		newOwner(t, f, a, "赵四")
		r := c.Get(fmt.Sprintf("/api/v1/owners?community_id=%d&q=%s", a, url.QueryEscape("张三")))
		if out := r.Map(t); out["total"] != float64(1) {
			t.Errorf("owners q=张三 also matched 赵四: %s", r)
		}
	})
}
