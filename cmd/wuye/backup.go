package main

import (
	"context"
	"fmt"
	"io"

	"wuye/internal/app"
	"wuye/internal/platform/backup"
	"wuye/internal/platform/db"
)

// backupCmd runs "wuye backup --out FILE" and "wuye restore --in FILE".
func backupCmd(ctx context.Context, cmd string, args []string, stdout io.Writer) error {
	fs, dsn := newFlags(cmd)
	file := fs.String("out", "", "backup file to write")
	if cmd == "restore" {
		file = fs.String("in", "", "backup file to read")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return fmt.Errorf("%s: name the file with --%s FILE", cmd, map[string]string{"backup": "out", "restore": "in"}[cmd])
	}
	if _, _, err := db.ParseDSN(*dsn); err != nil {
		return err
	}
	d, err := db.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	var m *backup.Manifest
	if cmd == "backup" {
		// Written beside the file and renamed into place once whole and
		// verified; an existing file is never overwritten.
		m, err = backup.WriteFile(ctx, d, *file, app.Version, app.Modules...)
	} else {
		m, err = backup.Restore(ctx, d, *file, app.Modules...)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	verb := map[string]string{"backup": "backed up", "restore": "restored"}[cmd]
	fmt.Fprintf(stdout, "%s %d rows of %d tables (%s, taken %s on %s); sha256 %s\n", verb, m.Rows, len(m.Tables),
		*file, m.CreatedAt.Format("2006-01-02 15:04:05 UTC"), m.Dialect, m.SHA256)
	return nil
}
