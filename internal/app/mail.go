package app

import (
	"context"
	"time"

	"wuye/internal/ticket"
)

// DefaultBaseURL starts the links in e-mails when App.BaseURL is empty.
const DefaultBaseURL = "http://localhost:8080"

// sendEmails is RunJobs' e-mail step: notifications written since the
// last run, a batch at a time, until a batch is not full (at most ten a
// minute, so a flood cannot hold the ticker for long).
func (a *App) sendEmails(ctx context.Context) {
	base := a.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	start, total := time.Now(), 0
	for range 10 {
		n, err := a.Tickets.SendEmails(ctx, a.Mail, base)
		total += n
		if err != nil {
			if ctx.Err() == nil {
				a.Log.Error("job email", "err", err, "sent", total)
			}
			return
		}
		if n < ticket.EmailBatch {
			break
		}
	}
	if total > 0 {
		a.Log.Info("job email", "sent", total, "ms", time.Since(start).Milliseconds())
	}
}
