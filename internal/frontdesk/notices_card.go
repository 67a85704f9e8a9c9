package frontdesk

import (
	"context"
	"fmt"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// NoticeCardItems are the notices' and the duty log's counts for the 前台
// card of the 工作台: notices in force, notices waiting for the
// approver (to whoever approves), and handed-over shifts nobody has
// acknowledged yet (to whoever keeps the log) — each linking to its list.
func (s *Service) NoticeCardItems(ctx context.Context, by *auth.User) ([]web.CardItem, error) {
	if !by.Can(auth.PermDeskRead) {
		return nil, nil
	}
	_, active, err := s.Notices(ctx, by, NoticeFilter{Active: true, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("notice card: %w", err)
	}
	out := []web.CardItem{{Label: "生效中的公告", Count: active, URL: "/desk/notices?status=active"}}
	if by.Can(auth.PermNoticeApprove) {
		_, n, err := s.Notices(ctx, by, NoticeFilter{Status: NoticeSubmitted, Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("notice card: %w", err)
		}
		out = append(out, web.CardItem{Label: "公告待审批", Count: n, URL: "/desk/notices?status=" + NoticeSubmitted, Alert: true})
	}
	if by.Can(auth.PermDeskWrite) {
		_, n, err := s.DutyShifts(ctx, by, DutyShiftFilter{Status: "await", Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("duty card: %w", err)
		}
		out = append(out, web.CardItem{Label: "值班待接班确认", Count: n, URL: "/desk/duty-log/history?status=await", Alert: true})
	}
	return out, nil
}
