package app

import (
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
		if u.Can(auth.PermTicketRead) {
			c, err := a.Tickets.Cards(r.Context(), u)
			if err != nil {
				return err
			}
			cards = append(cards, c...)
		}
		if u.Can(auth.PermBillingRead) {
			c, err := a.Billing.Cards(r.Context(), u)
			if err != nil {
				return err
			}
			cards = append(cards, c...)
		}
		if u.Can(auth.PermArchiveRead) {
			c, err := a.Archive.Cards(r.Context(), u)
			if err != nil {
				return err
			}
			cards = append(cards, c...)
		}
		return t.Render(w, r, http.StatusOK, "home", &web.Page{Title: "工作台", Nav: "home", Data: cards})
	})
}
