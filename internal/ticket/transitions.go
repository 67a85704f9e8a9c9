package ticket

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
	"wuye/internal/platform/errs"
)

// The state machine. Each action lists the statuses it may start from;
// anything else is a 409.
var allowedFrom = map[string][]string{
	"dispatch": {StatusNew, StatusDispatched, StatusInProgress},
	"start":    {StatusDispatched},
	"reply":    {StatusNew, StatusDispatched, StatusInProgress, StatusResolved},
	"resolve":  {StatusNew, StatusDispatched, StatusInProgress},
	"callback": {StatusResolved},
	"reopen":   {StatusResolved, StatusClosed},
	"cancel":   {StatusNew, StatusDispatched, StatusInProgress},
	"validity": {StatusNew, StatusDispatched, StatusInProgress, StatusResolved, StatusClosed},
	"major":    {StatusNew, StatusDispatched, StatusInProgress, StatusResolved, StatusClosed},
}

// change is what one step does to a ticket inside its transaction.
type change func(tx *sql.Tx, t *Ticket, now time.Time) (to, note string, err error)

// step runs one action in a transaction: scope and state checks, the
// change, the event and the audit entry. The ticket it returns, with its
// timeline, is read inside that transaction, so a step that joins a
// caller's transaction (db.WithTx, as the demo loader does) sees its own
// uncommitted work, and no second round of reads follows the commit.
func (s *Service) step(ctx context.Context, by *auth.User, id int64, action string, fn change) (*Ticket, error) {
	var out *Ticket
	var now time.Time
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		q := s.q(tx)
		before, err := getTicket(ctx, q, id)
		if err != nil {
			return err
		}
		if !Sees(by, before) {
			return errs.Forbidden("该工单不在您的处理范围内")
		}
		if !slices.Contains(allowedFrom[action], before.Status) {
			return errs.Conflict("status", "工单当前状态为“%s”，不能%s", Label(before.Status), actionLabels[action])
		}
		now = s.Now()
		to, note, err := fn(tx, before, now)
		if err != nil {
			return err
		}
		if to == "" {
			to = before.Status
		}
		if _, err := q.ExecContext(ctx, `UPDATE tickets SET status = $1, updated_at = $2 WHERE id = $3`, to, now, id); err != nil {
			return err
		}
		if err := addEvent(ctx, q, before, now, by.ID, by.Name, action, before.Status, to, note); err != nil {
			return err
		}
		if out, err = getTicket(ctx, q, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, q, audit.Event{Actor: by.Actor(), CommunityID: out.CommunityID, Entity: "ticket",
			EntityID: id, Action: action, Before: before, After: out}); err != nil {
			return err
		}
		out.Events, err = events(ctx, q, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	// As Get: a step may move the ticket out of the caller's sight (a
	// department's staff member hands it on), and then shows it no more.
	if !Sees(by, out) {
		return nil, errs.Forbidden("该工单不在您的处理范围内")
	}
	out.Overdue = out.Overdue || out.LateAt(now)
	return out, nil
}

func required(field, label, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return v, errs.Invalid(field, "请填写%s", label)
	}
	if utf8.RuneCountInString(v) > max {
		return v, errs.Invalid(field, "%s不能超过 %d 个字", label, max)
	}
	return v, nil
}

// firstResponse sets first_response_at unless already set: dispatch, a
// reply to the requester and resolution all count as the first response.
func firstResponse(ctx context.Context, tx *sql.Tx, id int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE tickets SET first_response_at = $1 WHERE id = $2 AND first_response_at IS NULL`, now, id)
	return err
}

// DispatchInput hands a ticket to a department and/or a person.
type DispatchInput struct {
	Department string `json:"department"`
	AssigneeID *int64 `json:"assignee_id"`
}

// Dispatch hands the work (not the responsibility) to a department or
// assignee; the assignee is notified.
func (s *Service) Dispatch(ctx context.Context, by *auth.User, id int64, in DispatchInput) (*Ticket, error) {
	in.Department = strings.TrimSpace(in.Department)
	if in.Department == "" && in.AssigneeID == nil {
		return nil, errs.Invalid("department", "请选择派工部门或处理人")
	}
	if in.Department != "" && !slices.Contains(Departments, in.Department) {
		return nil, errs.Invalid("department", "部门须为 %s", strings.Join(Departments, "/"))
	}
	return s.step(ctx, by, id, "dispatch", func(tx *sql.Tx, t *Ticket, now time.Time) (string, string, error) {
		note := in.Department
		if in.AssigneeID != nil {
			var name, role, dept string
			var disabled bool
			err := tx.QueryRowContext(ctx, `SELECT name, role, department, disabled FROM users WHERE id = $1`, *in.AssigneeID).Scan(&name, &role, &dept, &disabled)
			if err == sql.ErrNoRows || disabled {
				return "", "", errs.Invalid("assignee_id", "处理人不存在或已停用")
			}
			if err != nil {
				return "", "", err
			}
			var sees int
			tx.QueryRowContext(ctx, `SELECT count(*) FROM user_communities WHERE user_id = $1 AND community_id = $2`, *in.AssigneeID, t.CommunityID).Scan(&sees)
			if sees == 0 && role != string(auth.RoleAdmin) {
				return "", "", errs.Invalid("assignee_id", "处理人不负责该小区")
			}
			if in.Department == "" {
				in.Department = dept
			}
			note = strings.TrimSpace(in.Department + " " + name)
			if err := notify(ctx, tx, *in.AssigneeID, t, "assigned", "派给您的工单："+t.Number+" "+t.Title, now); err != nil {
				return "", "", err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET department = $1, assignee_id = $2 WHERE id = $3`, in.Department, in.AssigneeID, t.ID); err != nil {
			return "", "", err
		}
		return StatusDispatched, "派至 " + note, firstResponse(ctx, tx, t.ID, now)
	})
}

// Start marks a dispatched ticket as being worked on.
func (s *Service) Start(ctx context.Context, by *auth.User, id int64) (*Ticket, error) {
	return s.step(ctx, by, id, "start", func(tx *sql.Tx, t *Ticket, now time.Time) (string, string, error) {
		return StatusInProgress, "", nil
	})
}

// Reply records an answer given to the requester (a first response).
func (s *Service) Reply(ctx context.Context, by *auth.User, id int64, text string) (*Ticket, error) {
	text, err := required("text", "答复内容", text, 2000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, by, id, "reply", func(tx *sql.Tx, t *Ticket, now time.Time) (string, string, error) {
		return "", text, firstResponse(ctx, tx, t.ID, now)
	})
}

// Resolve records the resolution; the ticket then waits for its 回访.
func (s *Service) Resolve(ctx context.Context, by *auth.User, id int64, resolution string) (*Ticket, error) {
	resolution, err := required("resolution", "处理结果", resolution, 2000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, by, id, "resolve", func(tx *sql.Tx, t *Ticket, now time.Time) (string, string, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET resolution = $1, resolved_at = $2,
			first_resolved_at = COALESCE(first_resolved_at, $2) WHERE id = $3`, resolution, now, t.ID); err != nil {
			return "", "", err
		}
		if err := notify(ctx, tx, t.ReceiverID, t, "callback_due", "待回访："+t.Number+" "+t.Title, now); err != nil {
			return "", "", err
		}
		return StatusResolved, resolution, firstResponse(ctx, tx, t.ID, now)
	})
}

// CallbackInput is a 回访 result.
type CallbackInput struct {
	Result string `json:"result"`
	Note   string `json:"note"`
}

// Callback records a 回访. Satisfied closes the ticket; unsatisfied
// reopens it (a 返修 for a repair).
func (s *Service) Callback(ctx context.Context, by *auth.User, id int64, in CallbackInput) (*Ticket, error) {
	result, ok := canon(in.Result, CallbackResults)
	if !ok {
		return nil, errs.Invalid("result", "回访结果须为 满意/基本满意/不满意")
	}
	if utf8.RuneCountInString(in.Note) > 2000 {
		return nil, errs.Invalid("note", "回访记录不能超过 2000 个字")
	}
	return s.step(ctx, by, id, "callback", func(tx *sql.Tx, t *Ticket, now time.Time) (string, string, error) {
		note := Label(result)
		if n := strings.TrimSpace(in.Note); n != "" {
			note += "：" + n
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET callback_result = $1, callback_at = $2 WHERE id = $3`, result, now, t.ID); err != nil {
			return "", "", err
		}
		if result == ResultUnsatisfied {
			return s.reopen(ctx, tx, t, now, note)
		}
		_, err := tx.ExecContext(ctx, `UPDATE tickets SET closed_at = $1 WHERE id = $2`, now, t.ID)
		return StatusClosed, note, err
	})
}

func (s *Service) reopen(ctx context.Context, tx *sql.Tx, t *Ticket, now time.Time, note string) (string, string, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET reopen_count = reopen_count + 1, resolved_at = NULL, closed_at = NULL
		WHERE id = $1`, t.ID); err != nil {
		return "", "", err
	}
	if t.AssigneeID != nil {
		if err := notify(ctx, tx, *t.AssigneeID, t, fmt.Sprintf("reopen-%d", t.ReopenCount+1), "工单重新处理："+t.Number+" "+t.Title, now); err != nil {
			return "", "", err
		}
	}
	if t.Kind == KindRepair {
		note = "返修：" + note
	}
	return StatusDispatched, note, nil
}

// Reopen returns a resolved or closed ticket to dispatched; for a repair
// it counts as a 返修.
func (s *Service) Reopen(ctx context.Context, by *auth.User, id int64, reason string) (*Ticket, error) {
	reason, err := required("reason", "重新处理原因", reason, 1000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, by, id, "reopen", func(tx *sql.Tx, t *Ticket, now time.Time) (string, string, error) {
		return s.reopen(ctx, tx, t, now, reason)
	})
}

// Cancel ends an open ticket with a reason; it stays on record.
func (s *Service) Cancel(ctx context.Context, by *auth.User, id int64, reason string) (*Ticket, error) {
	reason, err := required("reason", "取消原因", reason, 1000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, by, id, "cancel", func(tx *sql.Tx, t *Ticket, now time.Time) (string, string, error) {
		_, err := tx.ExecContext(ctx, `UPDATE tickets SET cancel_reason = $1 WHERE id = $2`, reason, t.ID)
		return StatusCancelled, reason, err
	})
}

// ValidityInput is the manager's judgement of a complaint.
type ValidityInput struct {
	Valid  *bool  `json:"valid"`
	Reason string `json:"reason"`
	Major  bool   `json:"major"`
}

// SetValidity marks a complaint valid (有效投诉) or not, and major
// (重大投诉): a major complaint notifies every 中心主任 of the community at
// once and must then carry a written report.
func (s *Service) SetValidity(ctx context.Context, by *auth.User, id int64, in ValidityInput) (*Ticket, error) {
	if !by.Can(auth.PermTicketJudge) {
		return nil, errs.Forbidden("只有客服经理或中心主任可以对投诉定性")
	}
	if in.Valid == nil {
		return nil, errs.Invalid("valid", "请选择是否有效投诉")
	}
	reason, err := required("reason", "定性理由", in.Reason, 1000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, by, id, "validity", func(tx *sql.Tx, t *Ticket, now time.Time) (string, string, error) {
		if t.Kind != KindComplaint {
			return "", "", errs.Conflict("kind", "只有投诉需要定性")
		}
		major := in.Major && *in.Valid
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET valid = $1, validity_reason = $2, major = $3 WHERE id = $4`,
			*in.Valid, reason, major, t.ID); err != nil {
			return "", "", err
		}
		note := "无效投诉"
		if *in.Valid {
			note = "有效投诉"
		}
		if major {
			note = "重大投诉"
			if err := notifyRole(ctx, tx, auth.RoleDirector, t, "major", "重大投诉："+t.Number+" "+t.Title, now); err != nil {
				return "", "", err
			}
		}
		return "", note + "：" + reason, nil
	})
}

// MajorReport stores the written report a major complaint must carry.
func (s *Service) MajorReport(ctx context.Context, by *auth.User, id int64, report string) (*Ticket, error) {
	if !by.Can(auth.PermTicketJudge) {
		return nil, errs.Forbidden("只有客服经理或中心主任可以提交重大投诉报告")
	}
	report, err := required("report", "书面报告", report, 10000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, by, id, "major", func(tx *sql.Tx, t *Ticket, now time.Time) (string, string, error) {
		if !t.Major {
			return "", "", errs.Conflict("major", "该工单不是重大投诉")
		}
		_, err := tx.ExecContext(ctx, `UPDATE tickets SET major_report = $1 WHERE id = $2`, report, t.ID)
		return "", "提交书面报告", err
	})
}
