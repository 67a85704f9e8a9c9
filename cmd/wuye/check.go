package main

import (
	"context"
	"errors"
	"io"
)

// checkCmd runs `wuye check` (the check helper fills this in).
func checkCmd(ctx context.Context, args []string, stdout io.Writer) error {
	return errors.New("check: not implemented yet")
}
