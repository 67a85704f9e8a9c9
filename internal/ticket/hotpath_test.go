package ticket_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/ticket"
)

// A bulk load (the demo company) runs many service calls in one
// transaction with db.WithTx: each step then sees, and returns, the
// uncommitted ticket with its timeline; rolling back leaves nothing.
func TestStepsJoinTheCallersTransaction(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		ctx := context.Background()
		agent := x.user(auth.RoleCSAgent)
		var id int64
		stop := errors.New("roll back")
		err := x.DB.Tx(ctx, func(tx *sql.Tx) error {
			ctx := db.WithTx(ctx, tx)
			tk, err := x.svc.Create(ctx, agent, ticket.CreateInput{CommunityID: x.A.Community.ID, HouseID: &x.A.House.ID,
				Kind: "repair", Channel: "phone", Title: "事务内登记"})
			if err != nil {
				return err
			}
			id = tk.ID
			x.clk.Add(10 * 60e9)
			if tk, err = x.svc.Dispatch(ctx, agent, id, ticket.DispatchInput{Department: "工程部"}); err != nil {
				return err
			}
			if tk.Status != ticket.StatusDispatched || len(tk.Events) != 2 || tk.FirstResponseAt == nil {
				t.Errorf("dispatch in the transaction returned %s with %d events", tk.Status, len(tk.Events))
			}
			x.clk.Add(60 * 60e9)
			if tk, err = x.svc.Resolve(ctx, agent, id, "已修好"); err != nil {
				return err
			}
			if got := actions(tk.Events); len(got) != 3 || got[2] != "resolve" || tk.Status != ticket.StatusResolved {
				t.Errorf("resolve in the transaction returned %s %v", tk.Status, got)
			}
			return stop
		})
		if !errors.Is(err, stop) {
			t.Fatalf("transaction ended with %v", err)
		}
		if _, err := x.svc.Get(ctx, agent, id); err == nil {
			t.Error("a rolled-back ticket is still there")
		}
	})
}

// Create builds the ticket it returns from what it inserted instead of
// reading it back: that ticket must be exactly the stored one, with the
// house's code and its owner as the requester; a policy changed through
// the service applies to the very next ticket.
func TestCreateReturnsTheStoredTicket(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		ctx := context.Background()
		agent := x.user(auth.RoleCSAgent)
		for _, in := range []ticket.CreateInput{
			{CommunityID: x.A.Community.ID, HouseID: &x.A.House.ID, Kind: "报修", Urgency: "紧急", Channel: "24小时热线",
				Title: " 水管爆裂 ", Description: "厨房水管爆裂", Category: " 给排水 "},
			{CommunityID: x.A.Community.ID, HouseID: &x.A.House.ID, Kind: "complaint", Channel: "visit", Title: "噪音",
				RequesterName: "李四", RequesterPhone: "13900001111", ReceivedAt: "2026-11-01T22:10:00+08:00"},
			{CommunityID: x.A.Community.ID, Kind: "help", Location: " 3栋2单元电梯 ", Title: "被困电梯"},
		} {
			tk, err := x.svc.Create(ctx, agent, in)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := x.svc.Get(ctx, agent, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			stored.Events = nil
			got, _ := json.Marshal(tk)
			want, _ := json.Marshal(stored)
			if string(got) != string(want) {
				t.Errorf("Create returned\n%s\nstored\n%s", got, want)
			}
			if in.HouseID != nil && (tk.HouseCode != x.A.House.Code || tk.RequesterName == "") {
				t.Errorf("house %q, requester %q", tk.HouseCode, tk.RequesterName)
			}
		}
		admin := x.user(auth.RoleAdmin)
		if _, err := x.svc.SetPolicy(ctx, admin, ticket.Policy{Kind: "help", Urgency: "normal",
			RespondWithin: ticket.Within{Minutes: 7}, ResolveWithin: ticket.Within{Minutes: 70}}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { // back to the default, for the other tests on this database
			for _, d := range ticket.DefaultPolicies {
				if d.Kind == "help" && d.Urgency == "normal" {
					x.svc.SetPolicy(ctx, admin, d)
				}
			}
		})
		tk, err := x.svc.Create(ctx, agent, ticket.CreateInput{CommunityID: x.A.Community.ID, Kind: "help",
			Location: "大门", Title: "借推车"})
		if err != nil {
			t.Fatal(err)
		}
		if d := tk.RespondDueAt.Sub(tk.ReceivedAt); d != 7*time.Minute {
			t.Errorf("respond within %v after the policy change, want 7m", d)
		}
	})
}

// A user of several communities (whose scope a page of a list applies as
// a filter on SQLite) sees exactly the tickets of those communities, in
// every list, page by page, and counted the same way.
func TestListsOfAUserOfSeveralCommunities(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		ctx := context.Background()
		admin := x.user(auth.RoleAdmin)
		c, err := x.App.Archive.CreateCommunity(ctx, admin, archive.CommunityInput{Name: "丙苑" + x.Suffix, Type: "住宅"})
		if err != nil {
			t.Fatal(err)
		}
		both := x.NewUser(auth.RoleCSManager, x.A.Community.ID, x.B.Community.ID)
		mine := map[int64]bool{}
		for i, cid := range []int64{x.A.Community.ID, x.B.Community.ID, c.ID, x.A.Community.ID, x.B.Community.ID, c.ID} {
			x.clk.Add(time.Minute)
			tk, err := x.svc.Create(ctx, admin, ticket.CreateInput{CommunityID: cid, Kind: "repair", Location: "大堂",
				Title: fmt.Sprintf("第%d张", i)})
			if err != nil {
				t.Fatal(err)
			}
			if cid != c.ID {
				mine[tk.ID] = true
			}
		}
		x.clk.Add(72 * time.Hour) // all overdue
		for name, f := range map[string]ticket.Filter{"all": {}, "open": {Status: "open"}, "overdue": {Overdue: true},
			"kind": {Kind: "repair"}, "new": {Status: "new"}} {
			all, total, err := x.svc.List(ctx, both, f)
			if err != nil {
				t.Fatal(err)
			}
			var seen []int64
			for _, tk := range all {
				if tk.CommunityID == c.ID {
					t.Errorf("%s: ticket %s of a community not in scope", name, tk.Number)
				}
				if mine[tk.ID] {
					seen = append(seen, tk.ID)
				}
			}
			if total != len(all) || len(seen) < 4 {
				t.Errorf("%s: %d items, total %d, %d of the 4 new ones", name, len(all), total, len(seen))
			}
			// Page by page, newest first, the same tickets.
			f.Limit = 1
			for i := range all {
				f.Offset = i
				page, n, err := x.svc.List(ctx, both, f)
				if err != nil || n != total || len(page) != 1 || page[0].ID != all[i].ID {
					t.Fatalf("%s: page %d = %v (total %d), want ticket %d", name, i, page, n, all[i].ID)
				}
			}
			f.Offset = total
			if page, n, err := x.svc.List(ctx, both, f); err != nil || n != total || len(page) != 0 {
				t.Errorf("%s: page past the end: %d items, total %d, %v", name, len(page), n, err)
			}
		}
	})
}

// A registration that fails (a house of another community) takes no
// number: the next ticket gets the very next one. The audit entry of a
// registration holds the ticket as stored: its number, its house and
// its requester (the house's owner when none was given).
func TestFailedRegistrationTakesNoNumber(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		ctx := context.Background()
		agent := x.user(auth.RoleCSAgent)
		in := ticket.CreateInput{CommunityID: x.A.Community.ID, HouseID: &x.A.House.ID, Kind: "repair", Channel: "phone", Title: "门锁坏"}
		first, err := x.svc.Create(ctx, agent, in)
		if err != nil {
			t.Fatal(err)
		}
		bad := in
		bad.HouseID = &x.B.House.ID
		if _, err := x.svc.Create(ctx, agent, bad); err == nil {
			t.Fatal("a house of another community was accepted")
		}
		noCommunity := ticket.CreateInput{CommunityID: 987654321, Kind: "repair", Channel: "phone", Location: "大门", Title: "x"}
		if _, err := x.svc.Create(ctx, x.user(auth.RoleAdmin), noCommunity); err == nil {
			t.Fatal("a community that does not exist was accepted")
		}
		second, err := x.svc.Create(ctx, agent, in)
		if err != nil {
			t.Fatal(err)
		}
		var y1, n1, y2, n2 int
		fmt.Sscanf(first.Number, "TS%d-%d", &y1, &n1)
		fmt.Sscanf(second.Number, "TS%d-%d", &y2, &n2)
		if y1 != y2 || n2 != n1+1 {
			t.Errorf("numbers %s then %s: a failed registration took a number", first.Number, second.Number)
		}
		var after string
		if err := x.DB.QueryRow(`SELECT after_json FROM audit_log WHERE entity = 'ticket' AND entity_id = $1 AND action = 'create'`,
			second.ID).Scan(&after); err != nil {
			t.Fatal(err)
		}
		var logged ticket.Ticket
		if err := json.Unmarshal([]byte(after), &logged); err != nil {
			t.Fatal(err)
		}
		if logged.ID != second.ID || logged.Number != second.Number || logged.HouseCode != x.A.House.Code ||
			logged.RequesterName == "" || logged.RequesterName != second.RequesterName || logged.Title != "门锁坏" {
			t.Errorf("audit entry %s for ticket %+v", after, second)
		}
	})
}
