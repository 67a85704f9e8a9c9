package billing

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// Expenditure is one spending of the service fees, entered by the
// director for the 收支公示. Never deleted: voided with a reason.
type Expenditure struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	SpentOn     string    `json:"spent_on"`
	Category    string    `json:"category"`
	Description string    `json:"description"`
	AmountFen   int64     `json:"amount_fen"`
	Voided      bool      `json:"voided"`
	VoidReason  string    `json:"void_reason"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ExpenditureInput creates or edits an expenditure.
type ExpenditureInput struct {
	CommunityID int64  `json:"community_id"`
	SpentOn     string `json:"spent_on"`
	Category    string `json:"category"`
	Description string `json:"description"`
	AmountFen   int64  `json:"amount_fen"`
}

func (in *ExpenditureInput) validate() error {
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	var ok bool
	if in.SpentOn, ok = normDay(in.SpentOn); !ok {
		f.Add("spent_on", "日期格式应为 2026-11-27")
	}
	in.Category = strings.TrimSpace(in.Category)
	if !slices.Contains(ExpenditureCategories, in.Category) {
		f.Add("category", "支出类别须为：%s", strings.Join(ExpenditureCategories, "、"))
	}
	in.Description = strings.TrimSpace(in.Description)
	if utf8.RuneCountInString(in.Description) > 200 {
		f.Add("description", "说明不能超过 200 个字")
	}
	if in.AmountFen <= 0 || in.AmountFen > 1_000_000_000_00 {
		f.Add("amount_fen", "请填写金额（分，大于 0）")
	}
	return f.Err()
}

const expenditureCols = `id, community_id, spent_on, category, description, amount_fen, voided, void_reason, created_at, updated_at`

func scanExpenditure(s scanner) (*Expenditure, error) {
	var e Expenditure
	err := s.Scan(&e.ID, &e.CommunityID, &e.SpentOn, &e.Category, &e.Description, &e.AmountFen, &e.Voided, &e.VoidReason,
		&e.CreatedAt, &e.UpdatedAt)
	return &e, err
}

func getExpenditure(ctx context.Context, q db.Querier, id int64) (*Expenditure, error) {
	e, err := scanExpenditure(q.QueryRowContext(ctx, `SELECT `+expenditureCols+` FROM expenditures WHERE id = $1`, id))
	return e, notFound(err, "支出记录")
}

// SaveExpenditure creates (id 0) or edits an expenditure.
func (s *Service) SaveExpenditure(ctx context.Context, by *auth.User, id int64, in ExpenditureInput) (*Expenditure, error) {
	if err := can(by, auth.PermExpenditure, "登记支出"); err != nil {
		return nil, err
	}
	var e *Expenditure
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var before *Expenditure
		if id != 0 {
			var err error
			if before, err = getExpenditure(ctx, tx, id); err != nil {
				return err
			}
			if err := see(by, before.CommunityID); err != nil {
				return err
			}
			if before.Voided {
				return errs.Conflict("", "该支出已作废，不能修改")
			}
			in.CommunityID = before.CommunityID
		}
		if err := in.validate(); err != nil {
			return err
		}
		if err := see(by, in.CommunityID); err != nil {
			return err
		}
		if err := communityExists(ctx, tx, in.CommunityID); err != nil {
			return err
		}
		// Publish takes the same lock: a spending lands wholly before or
		// after a frozen 公示, never between its income and spending.
		if err := lockCommunity(ctx, tx, in.CommunityID); err != nil {
			return err
		}
		now := s.Now()
		if id == 0 {
			if err := tx.QueryRowContext(ctx, `INSERT INTO expenditures (community_id, spent_on, category, description, amount_fen,
				created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id`, in.CommunityID, in.SpentOn,
				in.Category, in.Description, in.AmountFen, by.ID, now).Scan(&id); err != nil {
				return fmt.Errorf("insert expenditure: %w", err)
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE expenditures SET spent_on=$1, category=$2, description=$3, amount_fen=$4,
			updated_at=$5 WHERE id=$6`, in.SpentOn, in.Category, in.Description, in.AmountFen, now, id); err != nil {
			return fmt.Errorf("update expenditure: %w", err)
		}
		var err error
		if e, err = getExpenditure(ctx, tx, id); err != nil {
			return err
		}
		action := audit.ActionCreate
		if before != nil {
			action = audit.ActionUpdate
		}
		return record(ctx, tx, by, e.CommunityID, "expenditure", id, action, before, e)
	})
	return e, err
}

// VoidExpenditure voids an expenditure with a reason.
func (s *Service) VoidExpenditure(ctx context.Context, by *auth.User, id int64, reason string) (*Expenditure, error) {
	if err := can(by, auth.PermExpenditure, "作废支出"); err != nil {
		return nil, err
	}
	var e *Expenditure
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getExpenditure(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		if reason = strings.TrimSpace(reason); reason == "" {
			return errs.Invalid("reason", "请填写作废原因")
		}
		if err := lockCommunity(ctx, tx, before.CommunityID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE expenditures SET voided = TRUE, void_reason = $1, updated_at = $2
			WHERE id = $3 AND voided = FALSE`, reason, s.Now(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.Conflict("", "该支出已作废")
		}
		if e, err = getExpenditure(ctx, tx, id); err != nil {
			return err
		}
		return record(ctx, tx, by, e.CommunityID, "expenditure", id, audit.ActionVoid, before, e)
	})
	return e, err
}

// Expenditure returns one expenditure.
func (s *Service) Expenditure(ctx context.Context, by *auth.User, id int64) (*Expenditure, error) {
	if err := canRead(by); err != nil {
		return nil, err
	}
	e, err := getExpenditure(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return e, see(by, e.CommunityID)
}

// Expenditures lists a community's expenditures (year 0 = every year),
// latest first.
func (s *Service) Expenditures(ctx context.Context, by *auth.User, communityID int64, year, limit, offset int) ([]*Expenditure, int, error) {
	if err := canRead(by); err != nil {
		return nil, 0, err
	}
	var c cond
	if communityID > 0 {
		if err := see(by, communityID); err != nil {
			return nil, 0, err
		}
		c.Add("community_id = ?", communityID)
	}
	if year > 0 {
		c.Add("spent_on >= ? AND spent_on <= ?", fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year))
	}
	c.Scope("community_id", Scope(by))
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM expenditures`+c.SQL(), c.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+expenditureCols+` FROM expenditures`+c.SQL()+
		` ORDER BY spent_on DESC, id DESC`+c.Page(limit, offset), c.Args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*Expenditure{}
	for rows.Next() {
		e, err := scanExpenditure(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// StatementLine is one row of the 收支公示.
type StatementLine struct {
	Name      string `json:"name"`
	AmountFen int64  `json:"amount_fen"`
}

// Statement is a community's 收支公示 for a year: fee income by item
// (money received by valid payments in the year, deposits aside, as
// they are owed back) and expenditure by category.
type Statement struct {
	CommunityID    int64           `json:"community_id"`
	Year           int             `json:"year"`
	Income         []StatementLine `json:"income"`
	IncomeFen      int64           `json:"income_fen"`
	Expenditure    []StatementLine `json:"expenditure"`
	ExpenditureFen int64           `json:"expenditure_fen"`
	BalanceFen     int64           `json:"balance_fen"`
	DepositsFen    int64           `json:"deposits_received_fen"` // held, not income
}

// Statement computes the 收支公示 of a year, reading through the
// transaction ctx carries (db.WithTx), if any.
func (s *Service) Statement(ctx context.Context, by *auth.User, communityID int64, year int) (*Statement, error) {
	if err := s.reportScope(by, communityID); err != nil {
		return nil, err
	}
	if year < 2000 || year > 2200 {
		return nil, errs.Invalid("year", "年份无效")
	}
	start := time.Date(year, 1, 1, 0, 0, 0, 0, shanghai).UTC()
	end := time.Date(year+1, 1, 1, 0, 0, 0, 0, shanghai).UTC()
	st := &Statement{CommunityID: communityID, Year: year, Income: []StatementLine{}, Expenditure: []StatementLine{}}
	// Through the caller's transaction, if any (db.WithTx): Publish
	// freezes the statement as its own transaction sees it.
	q := s.DB.Q(ctx)
	rows, err := q.QueryContext(ctx, `SELECT f.name, b.deposit, CAST(SUM(pl.amount_fen) AS BIGINT)
		FROM payment_lines pl JOIN payments p ON p.id = pl.payment_id JOIN bills b ON b.id = pl.bill_id
		JOIN fee_items f ON f.id = pl.fee_item_id
		WHERE pl.community_id = $1 AND pl.kind = 'bill' AND p.status = 'valid' AND p.paid_at >= $2 AND p.paid_at < $3
		GROUP BY f.id, f.name, b.deposit ORDER BY f.id`, communityID, start, end)
	if err != nil {
		return nil, fmt.Errorf("statement income: %w", err)
	}
	for rows.Next() {
		var l StatementLine
		var deposit bool
		if err := rows.Scan(&l.Name, &deposit, &l.AmountFen); err != nil {
			rows.Close()
			return nil, err
		}
		if deposit {
			st.DepositsFen += l.AmountFen
			continue
		}
		st.Income = append(st.Income, l)
		st.IncomeFen += l.AmountFen
	}
	rows.Close()
	if err := s.addLateFeeIncome(ctx, st, start, end); err != nil { // its own line, 滞纳金 (latefee.go)
		return nil, err
	}
	// Deductions kept from refunded deposits (违规扣款, deposit_refund.go)
	// are income of the day of the refund.
	kept, err := s.DepositDeductionIncome(ctx, communityID, start, end)
	if err != nil {
		return nil, err
	}
	if kept > 0 {
		st.Income = append(st.Income, StatementLine{Name: DepositDeductionIncomeName, AmountFen: kept})
		st.IncomeFen += kept
	}
	rows, err = q.QueryContext(ctx, `SELECT category, CAST(SUM(amount_fen) AS BIGINT) FROM expenditures
		WHERE community_id = $1 AND voided = FALSE AND spent_on >= $2 AND spent_on <= $3 GROUP BY category`,
		communityID, fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year))
	if err != nil {
		return nil, fmt.Errorf("statement expenditure: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l StatementLine
		if err := rows.Scan(&l.Name, &l.AmountFen); err != nil {
			return nil, err
		}
		st.Expenditure = append(st.Expenditure, l)
		st.ExpenditureFen += l.AmountFen
	}
	slices.SortFunc(st.Expenditure, func(a, b StatementLine) int {
		return slices.Index(ExpenditureCategories, a.Name) - slices.Index(ExpenditureCategories, b.Name)
	})
	st.BalanceFen = st.IncomeFen - st.ExpenditureFen
	return st, rows.Err()
}
