package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"wuye/internal/app"
	"wuye/internal/billing"
	"wuye/internal/platform/check"
	"wuye/internal/platform/db"
)

// checks are everything `wuye check` verifies, in the order reported:
// the schema first, since the other checks read it.
func checks() []check.Check {
	cs := []check.Check{check.Schema(app.Modules...)}
	cs = append(cs, check.Generic()...)
	return append(cs, billing.Checks()...)
}

// checkCmd runs "wuye check": it prints the report and fails, with a
// one-line reason, unless the database is healthy. It never migrates
// nor creates anything: a check must leave the database as it found it.
func checkCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dsn := newFlags("check")
	if err := parse(fs, args); err != nil {
		return err
	}
	dialect, path, err := db.ParseDSN(*dsn)
	if err != nil {
		return err
	}
	if dialect == db.SQLite { // opening a missing file would create it
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("check: %s does not exist", path)
		} else if err != nil {
			return fmt.Errorf("check: %w", err)
		}
	}
	d, err := db.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := check.Run(ctx, d, checks()...)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if err := rep.Write(stdout); err != nil {
		return err
	}
	switch n, failed := rep.Problems(), rep.Failed(); {
	case failed > 0:
		return fmt.Errorf("check: %d problems found, %d checks could not run (see report above)", n, failed)
	case n > 0:
		return fmt.Errorf("check: %d problems found (see report above)", n)
	}
	return nil
}
