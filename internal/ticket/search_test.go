package ticket_test

import (
	"net/http"
	"net/url"
	"testing"

	"wuye/internal/platform/auth"
)

// The header's one box finds a ticket by its number, within scope.
func TestSearchFindsTicketsByNumber(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		tk := x.create(auth.RoleCSAgent, x.repair("电梯困人"))
		var res struct {
			Items []struct {
				Kind  string
				ID    int64
				Title string
			}
		}
		x.do(auth.RoleCSAgent, "GET", "/api/v1/search?q="+url.QueryEscape(tk.Number), nil, http.StatusOK).JSON(t, &res)
		found := false
		for _, it := range res.Items {
			found = found || (it.Kind == "ticket" && it.ID == tk.ID && it.Title == tk.Number)
		}
		if !found {
			t.Fatalf("search %s = %+v, want the ticket", tk.Number, res.Items)
		}
		other := x.NewUser(auth.RoleCSAgent, x.B.Community.ID)
		res.Items = nil
		r := x.APIAs(other.Login).Get("/api/v1/search?q=" + url.QueryEscape(tk.Number))
		r.JSON(t, &res)
		for _, it := range res.Items {
			if it.Kind == "ticket" && it.ID == tk.ID {
				t.Fatalf("another community's agent found the ticket")
			}
		}
	})
}
