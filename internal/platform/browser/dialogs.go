package browser

import (
	"context"
	"sync"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// AcceptDialogs accepts every confirm() of ctx's tab from now on (the
// data-confirm of irreversible forms) and returns a func listing the
// messages seen so far, for a test to check what the user was asked.
func AcceptDialogs(ctx context.Context) func() []string {
	var mu sync.Mutex
	var seen []string
	go func() {
		for ev, err := range chromedp.Events(ctx, page.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			mu.Lock()
			seen = append(seen, ev.Message)
			mu.Unlock()
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}
