package demo

import (
	"context"

	"wuye/internal/platform/db"
)

// Password is every demo account's password.
const Password = "demo1234"

// Login is one demo account.
type Login struct{ Login, Label string }

// Logins are the demo accounts, one per role.
var Logins []Login

// Result says what Seed loaded.
type Result struct {
	Skipped                     bool
	Communities, Houses, Owners int
}

// Seed loads the demo company once.
func Seed(ctx context.Context, d *db.DB, houses int) (*Result, error) { return &Result{Skipped: true}, nil }
