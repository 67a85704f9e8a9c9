package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"wuye/internal/frontdesk"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// The front desk's notices (公告) and duty log (值班记录): in every
// community a handful of notices in each state of their approval, and
// the last two days of day and night shifts with their calls, visits
// and notes, handed over and acknowledged, the current shift still open.
// Each step runs through frontdesk.Service as the staff member who would
// take it, with the service's clock at the step's time.

type deskNoticePlan struct {
	title, category, body string
	startDays, endDays    int    // from today, Asia/Shanghai midnight
	pinned, firstBuilding bool   // pin it; only for the first building
	status                string // the state it is left in
	reason                string // of a rejection or a withdrawal
}

var deskNotices = []deskNoticePlan{
	{"关于%s二次供水水箱清洗停水的通知", "停水停电", "因二次供水水箱清洗消毒，定于本周六 9:00 至 17:00 暂停供水。\n请各位业主提前储水，关好水龙头，以免恢复供水时跑水。\n给您带来的不便，敬请谅解。",
		-1, 6, true, true, frontdesk.NoticePublished, ""},
	{"%s物业服务费缴纳提醒", "缴费", "本季度物业服务费已开始收取，请各位业主于本月 25 日前到物业服务中心缴纳，也可通过微信、支付宝缴纳。\n已缴纳的业主请忽略本通知。",
		-3, 20, false, false, frontdesk.NoticePublished, ""},
	{"%s冬季消防安全提示", "安全", "冬季天气干燥，请勿在楼道堆放杂物，勿在室内为电动车充电。\n发现火情请立即拨打 119 并通知物业服务中心。",
		-40, -10, false, false, frontdesk.NoticePublished, ""},
	{"%s业主中秋游园活动", "活动", "中秋节当晚 19:00 在中心花园举办游园猜灯谜活动，欢迎业主携家人参加。",
		-20, 5, false, false, frontdesk.NoticeWithdrawn, "场地维修，活动改期另行通知"},
	{"关于%s电梯年度检验的通知", "安全", "特种设备检验机构将于下周二对本小区电梯进行年度检验，检验期间电梯分批停运，请业主合理安排出行。",
		2, 9, false, false, frontdesk.NoticeSubmitted, ""},
	{"%s地下车库环氧地坪施工公告", "其他", "地下车库 B 区将进行地坪翻新，施工期间请将车辆移至 A 区停放。",
		3, 10, false, false, frontdesk.NoticeDraft, "请写明施工时段和临时停车安排"},
}

// deskEntries are the kinds of entry a shift records, in turn.
var deskEntries = []struct {
	kind, caller, summary, reason string
	ticket                        bool // link a ticket received in the shift, if any
}{
	{"call", "业主 王先生", "来电询问本月物业费缴纳方式，已告知可微信缴费", "咨询已答复", false},
	{"call", "业主 李女士", "来电反映厨房水管漏水，已登记报修并派工程部", "已转相关部门", true},
	{"note", "", "巡查大堂、消防通道，畅通无堆放", "", false},
	{"visit", "访客 陈先生", "来访咨询装修手续，已发放装修管理规定", "咨询已答复", false},
	{"call", "", "来电找外卖店，打错电话", "打错电话", false},
	{"call", "业主 赵女士", "再次询问停水恢复时间，已答复 17:00 恢复", "重复来电", false},
}

func loadDeskNotices(ctx context.Context, tx *sql.Tx, d *db.DB, p *plan, now time.Time) error {
	staff, err := demoStaff(ctx, tx)
	if err != nil {
		return err
	}
	svc := frontdesk.NewService(d)
	var at time.Time
	svc.Now = func() time.Time { return at }
	who := func(cid int64, perm string, logins ...string) *auth.User {
		for _, lg := range append(logins, "admin") {
			if u := staff[lg]; u != nil && u.Sees(cid) && u.Can(perm) {
				return u
			}
		}
		return nil
	}
	local := now.In(shanghai)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, shanghai)
	for _, c := range p.communities {
		writer, approver := who(c.id, auth.PermNoticeWrite, "agent", "agent2"), who(c.id, auth.PermNoticeApprove, "manager", "director")
		if writer == nil || approver == nil {
			continue
		}
		for _, np := range deskNotices {
			if err := deskNotice(ctx, svc, &at, c, np, today, now, writer, approver); err != nil {
				return fmt.Errorf("notice %s: %w", np.title, err)
			}
		}
		day, night := who(c.id, auth.PermDeskWrite, "agent", "agent2"), who(c.id, auth.PermDeskWrite, "cashier", "manager")
		if day == nil || night == nil || day.ID == night.ID {
			continue
		}
		if err := deskDuty(ctx, tx, svc, &at, c.id, today, now, day, night); err != nil {
			return fmt.Errorf("duty log of %s: %w", c.in.Name, err)
		}
	}
	return nil
}

// deskNotice drafts a notice a day before it starts (or an hour before
// now) and takes it to its planned state.
func deskNotice(ctx context.Context, svc *frontdesk.Service, at *time.Time, c *commPlan, np deskNoticePlan, today, now time.Time,
	writer, approver *auth.User) error {
	start := today.AddDate(0, 0, np.startDays).Add(8 * time.Hour)
	end := today.AddDate(0, 0, np.endDays).Add(20 * time.Hour)
	*at = start.Add(-24 * time.Hour)
	if !at.Before(now) {
		*at = now.Add(-time.Hour)
	}
	in := frontdesk.NoticeInput{CommunityID: c.id, Title: fmt.Sprintf(np.title, c.in.Name), Body: np.body, Category: np.category,
		Pinned: np.pinned, StartsAt: start.Format(time.RFC3339), EndsAt: end.Format(time.RFC3339)}
	if np.firstBuilding && len(c.buildings) > 0 {
		in.BuildingIDs = []int64{c.buildings[0].id}
		in.Title = fmt.Sprintf(np.title, c.buildings[0].name+"栋")
	}
	n, err := svc.CreateNotice(ctx, writer, in)
	if err != nil {
		return err
	}
	steps := map[string][]string{frontdesk.NoticeDraft: {"submit", "reject"}, frontdesk.NoticeSubmitted: {"submit"},
		frontdesk.NoticePublished: {"submit", "approve", "publish"}, frontdesk.NoticeWithdrawn: {"submit", "approve", "publish", "withdraw"}}
	for _, step := range steps[np.status] {
		*at = at.Add(2 * time.Hour)
		if step == "withdraw" {
			*at = start.Add(26 * time.Hour)
		}
		by := approver
		if step == "submit" {
			by = writer
		}
		if _, err := svc.StepNotice(ctx, by, n.ID, step, np.reason); err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
	}
	return nil
}

// deskDuty writes the shifts of the last two days up to now: day shifts
// 08:00–20:00 kept by day, night shifts 20:00–08:00 by night; each
// hands over to the next, whose keeper acknowledges (which opens their
// shift). The shift under way at now stays open.
func deskDuty(ctx context.Context, tx *sql.Tx, svc *frontdesk.Service, at *time.Time, cid int64, today, now time.Time,
	day, night *auth.User) error {
	var prevID int64
	var prevKeeper *auth.User
	k := 0
	for start := today.AddDate(0, 0, -2).Add(8 * time.Hour); start.Before(now); start = start.Add(12 * time.Hour) {
		kind, keeper := frontdesk.ShiftDay, day
		if start.In(shanghai).Hour() == 20 {
			kind, keeper = frontdesk.ShiftNight, night
		}
		if prevID == 0 {
			*at = start.Add(time.Minute)
			if _, err := svc.OpenDutyShift(ctx, keeper, frontdesk.DutyShiftInput{CommunityID: cid, Shift: kind}); err != nil {
				return fmt.Errorf("open: %w", err)
			}
		} else {
			*at = start.Add(-10 * time.Minute)
			if _, err := svc.HandOverDuty(ctx, prevKeeper, prevID, "本班来电来访均已处理；对讲机 2 台、前台钥匙 1 串已交接，无遗留事项。"); err != nil {
				return fmt.Errorf("handover: %w", err)
			}
			*at = start.Add(5 * time.Minute)
			if _, err := svc.AcknowledgeDuty(ctx, keeper, frontdesk.DutyAckInput{ShiftID: prevID, Note: "已清点，确认接班"}); err != nil {
				return fmt.Errorf("acknowledge: %w", err)
			}
		}
		if err := tx.QueryRowContext(ctx, `SELECT id FROM duty_shifts WHERE community_id = $1 AND shift = $2 AND status = 'open'`,
			cid, kind).Scan(&prevID); err != nil {
			return fmt.Errorf("the open shift: %w", err)
		}
		prevKeeper = keeper
		end := start.Add(12 * time.Hour)
		for _, off := range []time.Duration{90 * time.Minute, 4 * time.Hour, 7 * time.Hour, 10 * time.Hour} {
			if !start.Add(off).Before(now) {
				break
			}
			*at = start.Add(off)
			plan := deskEntries[k%len(deskEntries)]
			k++
			in := frontdesk.DutyEntryInput{CommunityID: cid, ShiftID: prevID, Kind: plan.kind, Summary: plan.summary,
				CallerName: plan.caller, NoTicketReason: plan.reason}
			if plan.ticket {
				// A ticket received in this shift, if the demo has one.
				var id int64
				err := tx.QueryRowContext(ctx, `SELECT id FROM tickets WHERE community_id = $1 AND received_at >= $2 AND received_at < $3
					ORDER BY received_at LIMIT 1`, cid, start.UTC(), end.UTC()).Scan(&id)
				switch {
				case err == nil:
					in.TicketID, in.NoTicketReason = id, ""
				case !errors.Is(err, sql.ErrNoRows):
					return err
				}
			}
			if _, err := svc.AddDutyEntry(ctx, keeper, in); err != nil {
				return fmt.Errorf("entry %s: %w", plan.summary, err)
			}
		}
	}
	return nil
}
