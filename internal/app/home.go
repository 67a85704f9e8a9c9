package app

import (
	"context"
	"net/http"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// homeRoutes registers the 工作台: what needs the signed-in user today,
// each a count linking to its filtered list. Every module adds its cards.
func (a *App) homeRoutes(rt *web.Router) {
	t := web.ParseTemplates(templateFS, nil)
	rt.Handle("GET /{$}", auth.PermSignedIn, func(w http.ResponseWriter, r *http.Request) error {
		u := auth.UserOf(r.Context())
		var cards []web.Card
		for _, m := range []struct {
			perm  string
			cards func(context.Context, *auth.User) ([]web.Card, error)
		}{
			{auth.PermTicketRead, a.Tickets.Cards},
			{auth.PermBillingRead, a.Billing.Cards},
			{auth.PermDeskRead, a.Desk.Cards},
			{auth.PermRenovationRead, a.Reno.Cards},
			{auth.PermMoveInRead, a.MoveIn.Cards},
			{auth.PermArchiveRead, a.Archive.Cards},
		} {
			if !u.Can(m.perm) {
				continue
			}
			c, err := m.cards(r.Context(), u)
			if err != nil {
				return err
			}
			cards = append(cards, c...)
		}
		return t.Render(w, r, http.StatusOK, "home", &web.Page{Title: "工作台", Nav: "home", Data: cards})
	})
}
