package billing

import (
	"context"
	"fmt"
	"strings"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/money"
)

// ReceiptURL is where a receipt is shown; the pages set it when they
// mount the receipt page.
var ReceiptURL = "/billing/payments/%d"

// Search finds receipts for the header's one box by number
// ("SJ2026-000123" or a prefix of it), within the caller's scope, newest
// first. It is an archive.Searcher.
func (s *Service) Search(ctx context.Context, by *auth.User, q string) ([]archive.Hit, error) {
	q = strings.ToUpper(strings.TrimSpace(q))
	if !strings.HasPrefix(q, "SJ") || len(q) < 3 || !by.Can(auth.PermBillingRead) {
		return nil, nil
	}
	var c cond
	c.Add("p.receipt_number >= ? AND p.receipt_number < ?", q, q+"\U0010FFFF")
	c.Scope("p.community_id", Scope(by))
	ps, _, err := listPayments(ctx, s.DB, &c, 10, 0)
	if err != nil {
		return nil, fmt.Errorf("search receipts: %w", err)
	}
	out := make([]archive.Hit, 0, len(ps))
	for _, p := range ps {
		sub := p.HouseCode + " · " + money.Fen(p.AmountFen).String() + " · " + Label(p.Method)
		if p.Status == PaymentVoid {
			sub += " · 作废"
		}
		out = append(out, archive.Hit{Kind: "receipt", ID: p.ID, Title: p.ReceiptNumber, Subtitle: sub,
			CommunityID: p.CommunityID, URL: fmt.Sprintf(ReceiptURL, p.ID)})
	}
	return out, nil
}
