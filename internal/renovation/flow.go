package renovation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// The state machine: submitted → reviewed (optional) → approved |
// rejected → in_progress → completed → refunded. Each step is one
// transaction through edit(): the state is checked first (an action out
// of order is a 409 whatever its body), then the input, then the row is
// claimed with a conditional UPDATE so that of two clerks acting at once
// exactly one succeeds.

// HouseRenovating is the archive status of a house under works.
const HouseRenovating = "装修中"

// houseAfter is the status a house returns to when its works are
// accepted and it had none before (it was already 装修中): the owner has
// its keys, so it is at least 已入住.
const houseAfter = "已入住"

// claim moves r to status to, setting the columns of set ($2, $3 … are
// args), provided it is still in the status it was read in.
func claim(ctx context.Context, tx *sql.Tx, r *Renovation, to, set string, args ...any) error {
	args = append([]any{to}, args...)
	args = append(args, r.ID, r.Status)
	q := fmt.Sprintf(`UPDATE renovations SET status = $1%s WHERE id = $%d AND status = $%d`, set, len(args)-1, len(args))
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("renovation %s: %w", to, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.Conflict("status", "该装修申请刚被他人处理，请刷新后重试")
	}
	return nil
}

// Review records the engineering department's opinion.
func (s *Service) Review(ctx context.Context, by *auth.User, id int64, opinion string) (*Renovation, error) {
	return s.edit(ctx, by, id, auth.PermRenovationReview, "出具工程部审核意见", []string{StatusSubmitted},
		func(ctx context.Context, tx *sql.Tx, r *Renovation) error {
			var f errs.Fields
			text(&f, &opinion, "opinion", "审核意见", 1000, true)
			if err := f.Err(); err != nil {
				return err
			}
			return claim(ctx, tx, r, StatusReviewed, ", review_opinion = $2, reviewed_name = $3, reviewed_at = $4",
				opinion, by.Name, s.Now())
		})
}

// Approve approves an application, with conditions if any: it numbers
// the 装修许可证 and charges the deposit and the 垃圾清运费 to the house
// through billing (approval, not registration, so that a rejected
// application never owes anything).
func (s *Service) Approve(ctx context.Context, by *auth.User, id int64, conditions string) (*Renovation, error) {
	return s.edit(ctx, by, id, auth.PermRenovationApprove, "批准", []string{StatusSubmitted, StatusReviewed},
		func(ctx context.Context, tx *sql.Tx, r *Renovation) error {
			var f errs.Fields
			text(&f, &conditions, "conditions", "批准条件", 1000, false)
			if err := f.Err(); err != nil {
				return err
			}
			now := s.Now()
			permit, err := nextPermit(ctx, tx, r.CommunityID, now.In(shanghai).Year())
			if err != nil {
				return err
			}
			if err := claim(ctx, tx, r, StatusApproved, ", conditions = $2, decided_name = $3, decided_at = $4, permit_number = $5",
				conditions, by.Name, now, permit); err != nil {
				return err
			}
			rules, err := getRules(ctx, tx, r.CommunityID)
			if err != nil {
				return err
			}
			note := "装修许可证 " + permit
			dep, err := s.chargeItem(ctx, by, r, rules.DepositItemID, DepositItemName, true, rules.DepositFen, note)
			if err != nil {
				return err
			}
			waste, err := s.chargeItem(ctx, by, r, rules.WasteItemID, WasteItemName, false, rules.WasteFeeFen, note)
			if err != nil {
				return err
			}
			var depID, wasteID *int64
			var depFen, wasteFen int64
			if dep != nil {
				depID, depFen = &dep.ID, dep.AmountFen
			}
			if waste != nil {
				wasteID, wasteFen = &waste.ID, waste.AmountFen
			}
			_, err = tx.ExecContext(ctx, `UPDATE renovations SET deposit_bill_id = $1, deposit_fen = $2, waste_bill_id = $3,
				waste_fee_fen = $4 WHERE id = $5`, depID, depFen, wasteID, wasteFen, r.ID)
			return err
		})
}

// nextPermit allocates the next 装修许可证 number of a community and
// year in tx, without gaps.
func nextPermit(ctx context.Context, tx *sql.Tx, communityID int64, year int) (string, error) {
	var last int64
	err := tx.QueryRowContext(ctx, `INSERT INTO renovation_counters (community_id, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (community_id, year) DO UPDATE SET last = renovation_counters.last + 1 RETURNING last`,
		communityID, year).Scan(&last)
	if err != nil {
		return "", fmt.Errorf("permit number: %w", err)
	}
	return fmt.Sprintf("ZX%d-%04d", year, last), nil
}

// chargeItem charges one of the approval's amounts (fen > 0) to the
// house as a one-off bill of the fee item the rules name, else the one
// called name, created at the rules' amount if the community has none.
// The bill is the item's price: the rules page keeps the two equal. Each
// application has bills of its own (one-off charges are not bound by the
// bill runs' natural key of house, item and month).
func (s *Service) chargeItem(ctx context.Context, by *auth.User, r *Renovation, id *int64, name string, deposit bool,
	fen int64, note string) (*billing.Bill, error) {
	if fen <= 0 {
		return nil, nil
	}
	var itemID int64
	if id != nil {
		itemID = *id
	}
	it, err := s.Billing.OneOffItem(ctx, by, r.CommunityID, itemID, name)
	switch {
	case errs.CodeOf(err) == errs.CodeNotFound && itemID == 0:
		it, err = s.Billing.CreateFeeItem(ctx, by, billing.FeeItemInput{CommunityID: r.CommunityID, Name: name,
			Kind: billing.KindOneOff, Deposit: deposit, UnitPrice: web.Text(money.PlainHundredths(fen)),
			Notes: "装修审批时按装修管理规定建立"})
		if err != nil {
			return nil, err
		}
	case errs.CodeOf(err) == errs.CodeNotFound:
		return nil, errs.Conflict("status", "装修管理规定指定的收费项目已不存在，请先在装修管理规定中重新选择")
	case err != nil:
		return nil, err
	}
	if it.Deposit != deposit {
		if deposit {
			return nil, errs.Conflict("status", "收费项目“%s”没有标记为押金，押金不能计入收入：请在收费项目中改用押金项目，或在装修管理规定中指定", it.Name)
		}
		return nil, errs.Conflict("status", "收费项目“%s”是押金项目，不能用于垃圾清运费", it.Name)
	}
	return s.Billing.Charge(ctx, by, billing.ChargeInput{HouseID: r.HouseID, FeeItemID: it.ID, Note: note})
}

// Reject turns an application down with its reason.
func (s *Service) Reject(ctx context.Context, by *auth.User, id int64, reason string) (*Renovation, error) {
	return s.edit(ctx, by, id, auth.PermRenovationApprove, "驳回", []string{StatusSubmitted, StatusReviewed},
		func(ctx context.Context, tx *sql.Tx, r *Renovation) error {
			var f errs.Fields
			text(&f, &reason, "reason", "驳回原因", 500, true)
			if err := f.Err(); err != nil {
				return err
			}
			return claim(ctx, tx, r, StatusRejected, ", reject_reason = $2, decided_name = $3, decided_at = $4",
				reason, by.Name, s.Now())
		})
}

// Start issues the permit: the works begin and the house becomes 装修中
// (through the archive, which records the house's change too). A house
// has one renovation under way at a time.
func (s *Service) Start(ctx context.Context, by *auth.User, id int64) (*Renovation, error) {
	return s.edit(ctx, by, id, auth.PermRenovationWrite, "发放许可证、开工", []string{StatusApproved},
		func(ctx context.Context, tx *sql.Tx, r *Renovation) error {
			var other string
			err := tx.QueryRowContext(ctx, `SELECT permit_number FROM renovations WHERE house_id = $1 AND status = $2 AND id <> $3
				ORDER BY id LIMIT 1`, r.HouseID, StatusInProgress, r.ID).Scan(&other)
			if err == nil {
				return errs.Conflict("status", "%s 已有施工中的装修（许可证 %s），请先完成竣工验收", r.HouseCode, other)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			h, err := getHouse(ctx, tx, r.HouseID)
			if err != nil {
				return err
			}
			before := h.Status
			if before == HouseRenovating {
				before = ""
			}
			if err := claim(ctx, tx, r, StatusInProgress, ", started_name = $2, started_at = $3, house_status_before = $4",
				by.Name, s.Now(), before); err != nil {
				return err
			}
			if h.Status == HouseRenovating {
				return nil
			}
			_, err = s.Archive.UpdateHouse(ctx, by, h.ID, h.withStatus(HouseRenovating))
			return err
		})
}

// Complete records the 竣工验收. Works accepted without a recorded start
// (approved) are taken as started and finished; a house that is 装修中
// returns to the status it had before. Open findings do not stop the
// acceptance — they are shown with it and may cost part of the deposit.
func (s *Service) Complete(ctx context.Context, by *auth.User, id int64, in CompleteInput) (*Renovation, error) {
	return s.edit(ctx, by, id, auth.PermRenovationApprove, "竣工验收", active,
		func(ctx context.Context, tx *sql.Tx, r *Renovation) error {
			var f errs.Fields
			if in.Result = strings.TrimSpace(in.Result); in.Result == "" {
				in.Result = CompletionResults[0]
			} else if !slices.Contains(CompletionResults, in.Result) {
				f.Add("result", "验收结论须为 %s 之一", strings.Join(CompletionResults, "/"))
			}
			text(&f, &in.Note, "note", "验收说明", 1000, false)
			if err := f.Err(); err != nil {
				return err
			}
			if err := claim(ctx, tx, r, StatusCompleted, ", completion_result = $2, completion_note = $3, completed_name = $4, completed_at = $5",
				in.Result, in.Note, by.Name, s.Now()); err != nil {
				return err
			}
			if r.Status != StatusInProgress {
				return nil
			}
			h, err := getHouse(ctx, tx, r.HouseID)
			if err != nil || h.Status != HouseRenovating {
				return err
			}
			to := r.HouseStatusBefore
			if to == "" {
				to = houseAfter
			}
			_, err = s.Archive.UpdateHouse(ctx, by, h.ID, h.withStatus(to))
			return err
		})
}

// Refund settles the deposit after the acceptance: billing records the
// refund (less the deductions) of the paid deposit bill in the same
// transaction. An application charged no deposit is closed with none.
func (s *Service) Refund(ctx context.Context, by *auth.User, id int64, in RefundInput) (*Renovation, error) {
	return s.edit(ctx, by, id, auth.PermRenovationApprove, "退还押金", []string{StatusCompleted},
		func(ctx context.Context, tx *sql.Tx, r *Renovation) error {
			var refundID *int64
			var refund, deducted int64
			if r.DepositBillID == nil {
				if len(in.Deductions) > 0 {
					return errs.Invalid("deductions", "本装修没有收取押金，不能扣款")
				}
			} else {
				ref, err := s.Billing.RefundDeposit(ctx, by, billing.DepositRefundInput{BillID: *r.DepositBillID,
					Deductions: in.Deductions, Method: in.Method, Reference: "装修许可证 " + r.PermitNumber, Note: in.Note})
				if err != nil {
					return err
				}
				refundID, refund, deducted = &ref.ID, ref.RefundFen, ref.DeductionsFen
			}
			return claim(ctx, tx, r, StatusRefunded, ", refund_id = $2, refund_fen = $3, deductions_fen = $4, refunded_name = $5, refunded_at = $6",
				refundID, refund, deducted, by.Name, s.Now())
		})
}

// Extend moves the end of the works (and of the passes) later.
func (s *Service) Extend(ctx context.Context, by *auth.User, id int64, endsOn, reason string) (*Renovation, error) {
	return s.edit(ctx, by, id, auth.PermRenovationApprove, "延期", active,
		func(ctx context.Context, tx *sql.Tx, r *Renovation) error {
			var f errs.Fields
			d, ok := date(endsOn)
			start, _ := time.Parse(dateLayout, r.StartsOn)
			switch {
			case !ok:
				f.Add("ends_on", "完工日期格式应为 2026-12-31")
			case d <= r.EndsOn:
				f.Add("ends_on", "延期后的完工日期须晚于 %s", r.EndsOn)
			case start.AddDate(1, 0, 0).Format(dateLayout) < d:
				f.Add("ends_on", "装修工期不能超过一年")
			}
			text(&f, &reason, "reason", "延期原因", 200, true)
			if err := f.Err(); err != nil {
				return err
			}
			notes := strings.TrimSpace(fmt.Sprintf("%s\n%s 延期：%s → %s，%s", r.Notes, s.today(), r.EndsOn, d, reason))
			return claim(ctx, tx, r, r.Status, ", ends_on = $2, notes = $3", d, notes)
		})
}

// Inspect records a 巡查, its findings and its photos while the works may
// be under way; it returns the inspection.
func (s *Service) Inspect(ctx context.Context, by *auth.User, id int64, in InspectionInput, photos ...Upload) (*Inspection, error) {
	var iid int64
	r, err := s.edit(ctx, by, id, auth.PermRenovationWrite, "登记巡查", active,
		func(ctx context.Context, tx *sql.Tx, r *Renovation) error {
			if err := in.validate(s.today()); err != nil {
				return err
			}
			if err := checkFiles(FileInspection, "photos", photos); err != nil {
				return err
			}
			now := s.Now()
			if err := tx.QueryRowContext(ctx, `INSERT INTO renovation_inspections (renovation_id, community_id, note, inspector_id,
				inspector_name, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$4,$6,$6) RETURNING id`,
				r.ID, r.CommunityID, in.Note, by.ID, by.Name, now).Scan(&iid); err != nil {
				return fmt.Errorf("insert inspection: %w", err)
			}
			for _, x := range in.Findings {
				if _, err := tx.ExecContext(ctx, `INSERT INTO renovation_findings (inspection_id, renovation_id, community_id, kind,
					note, rectify_by, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)`,
					iid, r.ID, r.CommunityID, x.Type, x.Note, x.RectifyBy, by.ID, now); err != nil {
					return fmt.Errorf("insert finding: %w", err)
				}
			}
			for _, p := range photos {
				if _, err := insertFile(ctx, tx, r.ID, r.CommunityID, by, FileInspection, iid, p, now); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	for _, x := range r.Inspections {
		if x.ID == iid {
			return &x, nil
		}
	}
	return nil, errs.NotFound("巡查记录不存在")
}

// Rectify records the re-check of a finding: rectified.
func (s *Service) Rectify(ctx context.Context, by *auth.User, id, findingID int64, note string) (*Renovation, error) {
	return s.edit(ctx, by, id, auth.PermRenovationWrite, "复查整改", []string{StatusApproved, StatusInProgress, StatusCompleted},
		func(ctx context.Context, tx *sql.Tx, r *Renovation) error {
			fd := r.finding(findingID)
			if fd == nil {
				return errs.Invalid("finding_id", "请指定本申请巡查发现的问题")
			}
			if fd.Rectified {
				return errs.Conflict("finding_id", "该问题已由 %s 复查确认整改", fd.RectifiedName)
			}
			var f errs.Fields
			text(&f, &note, "note", "复查情况", 500, false)
			if err := f.Err(); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE renovation_findings SET rectified = TRUE, recheck_note = $1, rectified_name = $2,
				rectified_at = $3, updated_at = $3 WHERE id = $4 AND rectified = FALSE`, note, by.Name, s.Now(), findingID)
			return err
		})
}
