package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// Password is every demo account's password.
const Password = "demo1234"

// Login is one demo account.
type Login struct{ Login, Label string }

// staffAccount is a demo account; onlySecond scopes it to the second
// community alone, to show how scoping hides the first.
type staffAccount struct {
	login, name, label string
	role               auth.Role
	department         string
	onlySecond         bool
}

var staff = []staffAccount{
	{login: "admin", name: "周建华", role: auth.RoleAdmin, label: "系统管理员（全部小区、全部权限）"},
	{login: "director", name: "陈志强", role: auth.RoleDirector, label: "中心主任"},
	{login: "manager", name: "刘晓燕", role: auth.RoleCSManager, label: "客服经理"},
	{login: "agent", name: "王婷", role: auth.RoleCSAgent, label: "客服助理"},
	{login: "agent2", name: "赵雪", role: auth.RoleCSAgent, label: "客服助理（仅管辖滨江国际）", onlySecond: true},
	{login: "cashier", name: "孙丽", role: auth.RoleCashier, label: "收费员"},
	{login: "engineer", name: "马国栋", role: auth.RoleDeptStaff, department: "工程部", label: "部门员工（工程部）"},
	{login: "auditor", name: "黄敏", role: auth.RoleAuditor, label: "只读审计"},
}

// Logins are the demo accounts, one per role (and agent2, scoped to one
// community).
var Logins = func() []Login {
	out := make([]Login, len(staff))
	for i, s := range staff {
		out[i] = Login{Login: s.login, Label: s.label}
	}
	return out
}()

// Result says what Seed loaded: Bills issued and Payments (receipts)
// taken are the year of fees (billing.go).
type Result struct {
	Skipped                              bool
	Communities, Houses, Owners, Tickets int
	Bills, Payments                      int
}

// seed makes the demo company the same on every run.
const seed = 20260101

// actor is who the audit log shows as having entered the demo data.
var actor = &auth.User{Name: "演示数据", Role: auth.RoleAdmin}

var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// Seed loads the demo company once: two communities with houses houses in
// all, their owners, residents and vehicles, one staff account per role,
// and the 工单 of the last 75 days (tickets.go). If any community exists
// it changes nothing and reports Skipped.
// Every record goes through the archive and auth services, so it is
// validated and audited like staff input; the service calls join one
// transaction, so the company loads fast and whole, or not at all.
func Seed(ctx context.Context, d *db.DB, houses int) (*Result, error) {
	if houses < 10 {
		return nil, errors.New("demo: at least 10 houses")
	}
	arch := archive.NewService(d)
	existing, err := arch.Communities(ctx, actor)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if len(existing) > 0 {
		return &Result{Skipped: true}, nil
	}
	now := time.Now().In(shanghai)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	p := newPlan(rand.New(rand.NewPCG(seed, uint64(houses))), houses, today)
	var tickets int
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		ctx := db.WithTx(ctx, tx)
		l := &loader{arch: arch, by: actor}
		if err := l.load(ctx, p); err != nil {
			return err
		}
		if err := createStaff(ctx, tx, d, p); err != nil {
			return err
		}
		if _, err := loadTickets(ctx, tx, d, p, now); err != nil {
			return err
		}
		if err := loadBilling(ctx, tx, d, p, now); err != nil {
			return fmt.Errorf("billing: %w", err)
		}
		if err := loadDesk(ctx, tx, d, p, now); err != nil {
			return err
		}
		// After billing: the renovations' deposits use its 装修押金 item,
		// and the move-in's fees its items.
		if err := loadRenovations(ctx, tx, d, p, now); err != nil {
			return fmt.Errorf("renovations: %w", err)
		}
		if err := loadMoveIn(ctx, tx, d, p, now); err != nil {
			return fmt.Errorf("move-in: %w", err)
		}
		// Tickets come from the hotline and from 验房 defects alike.
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM tickets`).Scan(&tickets)
	})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	n, owners := p.counts()
	res := &Result{Communities: len(p.communities), Houses: n, Owners: owners, Tickets: tickets}
	if res.Bills, res.Payments, err = billingCounts(ctx, d); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return res, nil
}

// createStaff adds the demo accounts; an account whose login is already
// taken is left as it is. Each one is tried under a savepoint, because on
// PostgreSQL the failed insert of a taken login would abort the whole
// transaction.
func createStaff(ctx context.Context, tx *sql.Tx, d *db.DB, p *plan) error {
	// No CommunitiesExist check: it reads outside the transaction, which
	// has just created these communities.
	a := auth.NewService(d)
	var all []int64
	for _, c := range p.communities {
		all = append(all, c.id)
	}
	for _, s := range staff {
		in := auth.UserInput{Login: s.login, Name: s.name, Role: s.role, Department: s.department, Communities: all}
		if s.onlySecond {
			in.Communities = all[len(all)-1:]
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT demo_account"); err != nil {
			return err
		}
		_, err := a.CreateUser(ctx, actor, in, Password)
		end := "RELEASE SAVEPOINT demo_account"
		if errs.CodeOf(err) == errs.CodeConflict {
			end, err = "ROLLBACK TO SAVEPOINT demo_account", nil
		}
		if err != nil {
			return fmt.Errorf("account %s: %w", s.login, err)
		}
		if _, err := tx.ExecContext(ctx, end); err != nil {
			return err
		}
	}
	return nil
}
