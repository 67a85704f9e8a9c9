// Package frontdesk holds the 前台's daily records: visitors (访客),
// parcels and mail (快递/邮件), the key cabinet (钥匙), custody of owners'
// property (物品寄存), notices (公告) and the 24-hour duty log (值班记录).
// Each area lives in its own files (keys.go, parcels.go, visitors.go,
// custody.go, notices.go, duty.go) with its own migration; they share the
// Service, the scope check and the page templates.
package frontdesk

import (
	"embed"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the front desk's migrations (after archive and ticket).
var Module = db.Module{Name: "frontdesk", FS: migrations}

func init() {
	audit.DescribeActions(map[string]string{"borrow": "借出", "return": "归还", "lost": "挂失", "found": "找回",
		"release": "领取", "photo": "上传照片", "pickup": "取件", "remind": "提醒取件", "checkin": "到访",
		"checkout": "离开"})
}

// Service holds the front-desk rules. Every method takes the acting user
// and checks the permission and the community scope itself (defence in
// depth behind the route's role check).
type Service struct {
	DB  *db.DB
	Now func() time.Time
}

// NewService returns the front-desk service on d.
func NewService(d *db.DB) *Service {
	return &Service{DB: d, Now: time.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// can checks that by holds perm and sees communityID (lists use
// archive.Scope(by) to filter instead).
func can(by *auth.User, perm string, communityID int64) error {
	if !by.Can(perm) {
		return errs.Forbidden("没有权限")
	}
	if !by.Sees(communityID) {
		return errs.Forbidden("该记录不在您管辖的小区内")
	}
	return nil
}
