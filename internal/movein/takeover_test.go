package movein_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"wuye/internal/movein"
	"wuye/internal/platform/auth"
)

// pngPhoto is a small valid PNG.
func pngPhoto(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestTakeoverFindingLifecycle: a finding goes open → fixed → re-inspected
// failed → fixed again → passed; every other step is a 409; each step is
// in the 返修跟进记录 with its time and in the audit log; the building's
// summary counts it at each stage, overdue ones too.
func TestTakeoverFindingLifecycle(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		var insp movein.Inspection
		x.do(auth.RoleDeptStaff, "POST", "/api/v1/takeover", map[string]any{"house_id": x.A.House.ID, "developer": "华润置地",
			"contractor": "中建三局", "inspectors": "马工"}, http.StatusCreated).JSON(t, &insp)
		if insp.Target != "3-2-1201" || insp.Use != "住宅" || len(insp.Checks) == 0 || insp.InspectedOn != "2026-11-20" {
			t.Fatalf("inspection: %+v", insp)
		}
		item := insp.Checks[0].Name
		var f movein.Finding
		x.do(auth.RoleDeptStaff, "POST", "/api/v1/takeover-findings", map[string]any{"inspection_id": insp.ID, "item": item,
			"description": "客厅墙面空鼓", "party": "施工单位", "deadline": "2026-11-25"}, http.StatusCreated).JSON(t, &f)
		if f.Status != movein.FindingOpen || f.PartyName != "中建三局" || f.Party != movein.PartyContractor {
			t.Fatalf("finding: %+v", f)
		}
		var got movein.Inspection
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/takeover/%d", insp.ID), nil, http.StatusOK).JSON(t, &got)
		if got.Checks[0].Result != movein.CheckFail || got.Open != 1 {
			t.Errorf("the finding's checklist line is not 不合格: %+v", got.Checks[0])
		}
		path := fmt.Sprintf("/api/v1/takeover-findings/%d", f.ID)
		step := func(action string, body map[string]any, want int) *movein.Finding {
			t.Helper()
			var out movein.Finding
			r := x.do(auth.RoleDeptStaff, "POST", path+"/"+action, body, want)
			if want == http.StatusOK {
				r.JSON(t, &out)
			} else if e := r.Error(t); e.Code != "conflict" || e.Message == "" {
				t.Errorf("%s: %+v", action, e)
			}
			return &out
		}
		summary := func() movein.BuildingSummary {
			t.Helper()
			var s struct{ Items []movein.BuildingSummary }
			x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/takeover/summary?community_id=%d", x.A.Community.ID), nil, http.StatusOK).JSON(t, &s)
			return s.Items[0]
		}
		step("reinspect", map[string]any{"passed": true}, http.StatusConflict) // not fixed yet
		if s := summary(); s.Open != 1 || s.Fixed != 0 || s.Overdue != 0 {
			t.Errorf("summary while open: %+v", s)
		}
		x.clk.Set("2026-11-26T09:00:00+08:00") // past the deadline
		if s := summary(); s.Overdue != 1 {
			t.Errorf("summary past the deadline: %+v", s)
		}
		cards, err := x.App.MoveIn.Cards(context.Background(), x.Users[auth.RoleCSManager])
		if err != nil || len(cards) != 1 || cards[0].Items[2].Count != 1 || cards[0].Items[2].URL != "/takeover/findings?overdue=1" {
			t.Errorf("工作台 card: %v %+v", err, cards)
		}
		if cards, _ := x.App.MoveIn.Cards(context.Background(), x.NewUser(auth.RoleCSManager, x.B.Community.ID)); cards[0].Items[2].Count != 0 {
			t.Errorf("another community's manager sees the overdue finding: %+v", cards)
		}
		if fixed := step("fix", map[string]any{"note": "已重新抹灰"}, http.StatusOK); fixed.Status != movein.FindingFixed {
			t.Errorf("after fix: %s", fixed.Status)
		}
		step("fix", map[string]any{"note": "again"}, http.StatusConflict) // waiting for re-inspection
		x.apiError(x.API(auth.RoleDeptStaff).Post(path+"/reinspect", map[string]any{"passed": false}), http.StatusBadRequest, "note", "复验说明")
		failed := step("reinspect", map[string]any{"passed": false, "note": "仍有空鼓", "deadline": "2026-12-05"}, http.StatusOK)
		if failed.Status != movein.FindingFailed || failed.Rounds != 1 || failed.Deadline != "2026-12-05" || failed.Overdue {
			t.Errorf("after a failed re-inspection: %+v", failed)
		}
		if s := summary(); s.Open != 1 || s.Overdue != 0 {
			t.Errorf("summary after a failed re-inspection: %+v", s)
		}
		step("reinspect", map[string]any{"passed": true}, http.StatusConflict) // back with the party
		step("fix", map[string]any{"note": "整面铲除重做", "fixed_by": "中建三局 王工"}, http.StatusOK)
		if s := summary(); s.Fixed != 1 {
			t.Errorf("summary while fixed: %+v", s)
		}
		passed := step("reinspect", map[string]any{"passed": true, "note": "合格"}, http.StatusOK)
		if passed.Status != movein.FindingPassed {
			t.Errorf("after passing: %s", passed.Status)
		}
		step("fix", map[string]any{"note": "x"}, http.StatusConflict)
		step("reinspect", map[string]any{"passed": false, "note": "x"}, http.StatusConflict)
		if s := summary(); s.Passed != 1 || s.Open != 0 || s.Fixed != 0 {
			t.Errorf("summary when closed: %+v", s)
		}
		var actions []string
		for _, st := range passed.Steps {
			if st.At.IsZero() {
				t.Errorf("step without time: %+v", st)
			}
			actions = append(actions, st.Label)
		}
		if want := "登记问题 整改完成 复验不合格 整改完成 复验合格"; strings.Join(actions, " ") != want {
			t.Errorf("返修跟进记录 %q, want %q", strings.Join(actions, " "), want)
		}
		if passed.Steps[3].Actor != "中建三局 王工" {
			t.Errorf("who fixed: %q", passed.Steps[3].Actor)
		}
		var n int
		x.DB.QueryRow(`SELECT count(*) FROM audit_log WHERE entity = 'takeover_finding' AND entity_id = $1`, f.ID).Scan(&n)
		if n != 5 {
			t.Errorf("%d audit entries for the finding, want 5", n)
		}

		// A photo (multipart, ≤ 10 MB, JPEG/PNG only) is kept with it.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "墙面.png")
		fw.Write(pngPhoto(t))
		mw.Close()
		req := x.API(auth.RoleDeptStaff).Request("POST", path+"/photos", body.Bytes())
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if r := x.API(auth.RoleDeptStaff).Send(req); r.Code != http.StatusCreated {
			t.Fatalf("photo: %s", r)
		}
		x.apiError(x.API(auth.RoleDeptStaff).Post(path+"/photos", "not an image"), http.StatusBadRequest, "file", "JPEG 或 PNG")
		var withPhoto movein.Finding
		x.do(auth.RoleAuditor, "GET", path, nil, http.StatusOK).JSON(t, &withPhoto)
		if len(withPhoto.Photos) != 1 || withPhoto.Photos[0].Name != "墙面.png" {
			t.Fatalf("photos: %+v", withPhoto.Photos)
		}
		img := x.Browser(auth.RoleAuditor).Get(withPhoto.Photos[0].URL)
		if img.Code != http.StatusOK || img.Header.Get("Content-Type") != "image/png" {
			t.Errorf("photo download: %d %s", img.Code, img.Header.Get("Content-Type"))
		}
	})
}

// TestTakeoverChecklistIsConfigurable: a community's checklist per use
// starts from the defaults, and an inspection copies the items in force.
func TestTakeoverChecklistIsConfigurable(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		var it movein.Item
		x.do(auth.RoleDirector, "POST", "/api/v1/takeover-checklist", map[string]any{"community_id": x.A.Community.ID,
			"house_use": "公共部位", "category": "消防", "name": "消防通道畅通", "sort": 1}, http.StatusCreated).JSON(t, &it)
		x.do(auth.RoleCSAgent, "POST", "/api/v1/takeover-checklist", map[string]any{"community_id": x.A.Community.ID,
			"name": "x"}, http.StatusForbidden)
		var insp movein.Inspection
		x.do(auth.RoleCSManager, "POST", "/api/v1/takeover", map[string]any{"building_id": x.A.Building.ID}, http.StatusCreated).JSON(t, &insp)
		if insp.Target != "3栋公共部位" || len(insp.Checks) != 1 || insp.Checks[0].Name != "消防通道畅通" {
			t.Errorf("common parts checklist: %+v", insp.Checks)
		}
		x.do(auth.RoleDirector, "PUT", fmt.Sprintf("/api/v1/takeover-checklist/%d", it.ID), map[string]any{"active": false}, http.StatusOK)
		var house movein.Inspection
		x.do(auth.RoleCSManager, "POST", "/api/v1/takeover", map[string]any{"house_id": x.second.ID}, http.StatusCreated).JSON(t, &house)
		if len(house.Checks) < 10 {
			t.Errorf("a house's default checklist has %d items", len(house.Checks))
		}
		var again movein.Inspection
		x.do(auth.RoleCSManager, "POST", "/api/v1/takeover", map[string]any{"building_id": x.A.Building.ID}, http.StatusCreated).JSON(t, &again)
		if len(again.Checks) != 0 {
			t.Errorf("a disabled item was copied: %+v", again.Checks)
		}
		var s struct {
			Items []movein.Check `json:"checks"`
		}
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/takeover/%d/checks", house.ID), map[string]any{"results": []map[string]any{
			{"id": house.Checks[0].ID, "result": "合格"}, {"id": house.Checks[1].ID, "result": "maybe"}}}, http.StatusBadRequest)
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/takeover/%d/checks", house.ID), map[string]any{"results": []map[string]any{
			{"id": house.Checks[0].ID, "result": "合格"}, {"id": house.Checks[1].ID, "result": "fail", "note": "门锁损坏"}}}, http.StatusOK).JSON(t, &s)
		if s.Items[0].Result != "ok" || s.Items[1].Result != "fail" || s.Items[1].Note != "门锁损坏" {
			t.Errorf("checks: %+v", s.Items[:2])
		}
	})
}
