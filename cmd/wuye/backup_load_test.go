package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wuye/internal/app"
	"wuye/internal/app/apptest"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/backup"
	"wuye/internal/platform/check"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

// A backup taken while cashiers take and void payments, a bill run
// draws prepaid balances and residents report repairs restores, into an
// empty database of the other kind, to books that pass `wuye check`,
// with the rows its manifest counts: the snapshot never holds half of a
// payment.
func TestBackupUnderWriteLoadRestoresHealthy(t *testing.T) {
	ctx := context.Background()
	for _, from := range []db.Dialect{db.SQLite, db.Postgres} {
		to := db.Postgres
		if from == db.Postgres {
			to = db.SQLite
		}
		t.Run(string(from)+" to "+string(to), func(t *testing.T) {
			src := apptest.FreshDB(t, from)
			f := apptest.New(t, src)
			l := startLoad(t, f)
			path, m := backupDuringWrites(t, src, &l.writes)
			l.stop(t)
			if m.Tables["payments"] == 0 || m.Tables["tickets"] == 0 {
				t.Fatalf("the backup holds no load: %v", m.Tables)
			}
			healthy(t, src, "the source after the load")

			dst, err := db.Open(ctx, dbtest.DSN(t, to))
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			if _, err := backup.Restore(ctx, dst, path, app.Modules...); err != nil {
				t.Fatal(err)
			}
			for table, n := range m.Tables {
				if strings.HasPrefix(table, "goose_") {
					continue
				}
				var got int64
				if err := dst.QueryRow(`SELECT count(*) FROM "` + table + `"`).Scan(&got); err != nil || got != n {
					t.Errorf("%s: %d rows restored (%v), manifest %d", table, got, err, n)
				}
			}
			healthy(t, dst, "the restored database")
		})
	}
}

// healthy fails the test unless every check of `wuye check` passes on d.
func healthy(t *testing.T, d *db.DB, what string) {
	t.Helper()
	rep, err := check.Run(context.Background(), d, checks()...)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		var b strings.Builder
		rep.Write(&b)
		t.Fatalf("%s fails the checks:\n%s", what, b.String())
	}
}

// backupDuringWrites takes backups until one ran while writes committed
// (the write count moved across it), and returns it.
func backupDuringWrites(t *testing.T, d *db.DB, writes *atomic.Int64) (string, *backup.Manifest) {
	t.Helper()
	dir := t.TempDir()
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		before := writes.Load()
		path := filepath.Join(dir, fmt.Sprintf("load-%d.backup", i))
		out, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := backup.Write(context.Background(), d, out, "test", app.Modules...)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		if before >= 60 && writes.Load() > before {
			if _, err := backup.Verify(path); err != nil {
				t.Fatal(err)
			}
			return path, m
		}
		os.Remove(path)
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no backup overlapped a write")
	return "", nil
}

// load is three writers at work on one database through the services.
type load struct {
	writes atomic.Int64
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
}

func (l *load) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
	}
}

// stop ends the writers and fails the test if one of them failed.
func (l *load) stop(t *testing.T) {
	t.Helper()
	l.cancel()
	l.wg.Wait()
	if l.err != nil {
		t.Fatal(l.err)
	}
}

// run runs step(i) for i = 0, 1, … in a goroutine until stopped,
// counting each step as a write.
func (l *load) run(ctx context.Context, step func(i int) error) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			if err := step(i); err != nil {
				if !errors.Is(err, context.Canceled) && ctx.Err() == nil {
					l.fail(err)
				}
				return
			}
			l.writes.Add(1)
		}
	}()
}

// startLoad sets up a fee item and a bill run in each community, then
// writes until stopped: in A, the manager takes payments that go to the
// prepaid balance, voids every third at once, charges and takes 工本费,
// and once runs next month, which draws the balance down; in B, the
// admin charges and takes 工本费 and voids every fifth; residents of A
// report repairs over the API.
func startLoad(t *testing.T, f *apptest.Fixture) *load {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{cancel: cancel}
	bs := f.App.Billing
	admin, mgr := f.Users[auth.RoleAdmin], f.Users[auth.RoleCSManager]
	now := time.Now()
	cards := map[int64]int64{}
	for _, c := range []*apptest.Community{f.A, f.B} {
		id := c.Community.ID
		if _, err := bs.CreateFeeItem(ctx, admin, billing.FeeItemInput{CommunityID: id, Name: "垃圾清运费", Kind: billing.KindFixed,
			UnitPrice: "15", EffectiveFrom: billing.PeriodOf(now.AddDate(0, -1, 0))}); err != nil {
			t.Fatal(err)
		}
		card, err := bs.CreateFeeItem(ctx, admin, billing.FeeItemInput{CommunityID: id, Name: "门禁卡工本费", Kind: billing.KindOneOff,
			UnitPrice: "20"})
		if err != nil {
			t.Fatal(err)
		}
		cards[id] = card.ID
		if _, err := bs.Run(ctx, admin, billing.RunInput{CommunityID: id, Period: billing.PeriodOf(now)}); err != nil {
			t.Fatal(err)
		}
	}
	chargeAndPay := func(by *auth.User, c *apptest.Community) (*billing.Payment, error) {
		b, err := bs.Charge(ctx, by, billing.ChargeInput{HouseID: c.House.ID, FeeItemID: cards[c.Community.ID]})
		if err != nil {
			return nil, err
		}
		return bs.Pay(ctx, by, billing.PaymentInput{HouseID: c.House.ID, BillIDs: []int64{b.ID}, AmountFen: b.AmountFen,
			Method: billing.MethodWeChat})
	}
	l.run(ctx, func(i int) error {
		var err error
		switch {
		case i == 0: // this month's bill, and 100.00 ahead
			var a *billing.Account
			if a, err = bs.Account(ctx, mgr, f.A.House.ID); err == nil {
				var ids []int64
				var sum int64
				for _, b := range a.Unpaid {
					ids, sum = append(ids, b.ID), sum+b.AmountFen
				}
				_, err = bs.Pay(ctx, mgr, billing.PaymentInput{HouseID: f.A.House.ID, BillIDs: ids, AmountFen: sum + 10000,
					Method: billing.MethodCash})
			}
		case i == 7:
			_, err = bs.Run(ctx, mgr, billing.RunInput{CommunityID: f.A.Community.ID, Period: billing.PeriodOf(now.AddDate(0, 1, 0))})
		case i%4 == 3:
			_, err = chargeAndPay(mgr, f.A)
		default:
			var p *billing.Payment
			p, err = bs.Pay(ctx, mgr, billing.PaymentInput{HouseID: f.A.House.ID, AmountFen: 5000 + int64(i), Method: billing.MethodCash})
			if err == nil && i%3 == 1 {
				_, err = bs.VoidPayment(ctx, mgr, p.ID, "金额录错")
			}
		}
		return err
	})
	l.run(ctx, func(i int) error {
		p, err := chargeAndPay(admin, f.B)
		if err == nil && i%5 == 4 {
			_, err = bs.VoidPayment(ctx, admin, p.ID, "重复收款")
		}
		return err
	})
	api := f.API(auth.RoleAdmin)
	l.run(ctx, func(i int) error {
		r := api.Post("/api/v1/tickets", map[string]any{"community_id": f.A.Community.ID, "house_id": f.A.House.ID,
			"kind": "repair", "title": fmt.Sprintf("备份压力测试 %d：厨房漏水", i), "description": "并发写入"})
		if r.Code != 201 {
			return fmt.Errorf("create ticket: %s", r)
		}
		return nil
	})
	return l
}
