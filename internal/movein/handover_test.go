package movein_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"wuye/internal/movein"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
)

// feeItem creates a one-off fee item of community A through the API.
func (x *fx) feeItem(name, price string, deposit bool) int64 {
	x.t.Helper()
	var it struct{ ID int64 }
	x.do(auth.RoleCSManager, "POST", "/api/v1/fee-items", map[string]any{"community_id": x.A.Community.ID, "name": name,
		"kind": "oneoff", "deposit": deposit, "unit_price": price}, http.StatusCreated).JSON(x.t, &it)
	return it.ID
}

// charge bills a house for a one-off item and returns the bill's id and
// amount.
func (x *fx) charge(houseID, itemID int64) (int64, int64) {
	x.t.Helper()
	var b struct {
		ID        int64 `json:"id"`
		AmountFen int64 `json:"amount_fen"`
	}
	x.do(auth.RoleCashier, "POST", "/api/v1/bills", map[string]any{"house_id": houseID, "fee_item_id": itemID, "period": "2026-11"},
		http.StatusCreated).JSON(x.t, &b)
	return b.ID, b.AmountFen
}

var keys = map[string]any{"keys": []map[string]any{{"name": "入户门钥匙", "count": 3}, {"name": "门禁卡", "count": 2}}}

// TestHandoverGuard: the keys are refused, with a 409 naming what is
// missing, while a required document is unsigned or a move-in fee is
// unpaid; once both are settled the handover succeeds, the house becomes
// 已入住 in the archive, and the change is audited.
func TestHandoverGuard(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		c := x.campaign(nil, nil)
		house := x.A.House.ID
		handover := fmt.Sprintf("/api/v1/movein/houses/%d/handover", house)

		// Nothing signed: every required document of the standard pack.
		r := x.API(auth.RoleCSAgent).Post(handover, keys)
		x.apiError(r, http.StatusConflict, "documents", "不能交钥匙", "《业主手册》", "《安全责任书》", "《临时管理规约》", "《前期物业服务协议》")

		// Sign three by name and one by id: only the last one is named.
		for _, doc := range []string{"业主手册", "安全责任书", "临时管理规约"} {
			if r := x.sign(house, doc); r.Code != http.StatusCreated {
				t.Fatalf("sign %s: %s", doc, r)
			}
		}
		r = x.API(auth.RoleCSAgent).Post(handover, keys)
		e := x.apiError(r, http.StatusConflict, "documents", "《前期物业服务协议》")
		if strings.Contains(e.Message, "《安全责任书》") {
			t.Errorf("a signed document is still named: %s", e.Message)
		}
		var pack struct{ Items []movein.Document }
		x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/movein/documents?community_id=%d", x.A.Community.ID), nil, http.StatusOK).JSON(t, &pack)
		var agreement int64
		for _, d := range pack.Items {
			if d.Name == "前期物业服务协议" {
				agreement = d.ID
			}
		}
		var sig movein.Signature
		if r := x.sign(house, agreement); r.Code != http.StatusCreated {
			t.Fatalf("sign by id: %s", r)
		} else {
			r.JSON(t, &sig)
		}
		if sig.Document != "前期物业服务协议" || sig.Version != 1 || len(sig.Missing) != 0 {
			t.Errorf("signature by id: %+v", sig)
		}
		x.apiError(x.sign(house, "前期物业服务协议"), http.StatusConflict, "document", "已签署")

		// An unpaid one-off fee blocks; an unpaid deposit does not.
		item := x.feeItem("预收物业费", "600", false)
		deposit := x.feeItem("装修押金", "3000", true)
		bill, amount := x.charge(house, item)
		x.charge(house, deposit)
		r = x.API(auth.RoleCSAgent).Post(handover, keys)
		e = x.apiError(r, http.StatusConflict, "fees", "入伙费用未缴清", "预收物业费未缴 ¥600.00")
		if strings.Contains(e.Message, "装修押金") || strings.Contains(e.Message, "必签资料") {
			t.Errorf("the guard names what is settled or a deposit: %s", e.Message)
		}
		if got := x.houseStatus(house); got != "自住" {
			t.Fatalf("a refused handover changed the house: %s", got)
		}
		x.do(auth.RoleCashier, "POST", "/api/v1/payments", map[string]any{"house_id": house, "bill_ids": []int64{bill},
			"amount_fen": amount, "method": "cash"}, http.StatusCreated)

		// Both settled: the keys go over.
		var entry movein.Entry
		x.do(auth.RoleCSAgent, "POST", handover, keys, http.StatusOK).JSON(t, &entry)
		if entry.HandedOverOn != "2026-11-20" || entry.HandoverBy != "张三" || !entry.Occupied || len(entry.Keys) != 2 ||
			!entry.Stages.HandedOver || !entry.Stages.Signed || !entry.Stages.FeesPaid {
			t.Errorf("after handover: %+v", entry)
		}
		if got := x.houseStatus(house); got != "已入住" {
			t.Errorf("house status %q, want 已入住", got)
		}
		x.apiError(x.API(auth.RoleCSAgent).Post(handover, keys), http.StatusConflict, "keys", "已于 2026-11-20 交钥匙")
		hist, err := audit.History(context.Background(), x.DB, "house", house)
		if err != nil || len(hist) == 0 || !strings.Contains(string(hist[0].After), "已入住") || hist[0].UserName != x.Users[auth.RoleCSAgent].Name {
			t.Errorf("house status change not audited by the agent: %v %+v", err, hist)
		}
		mh, _ := audit.History(context.Background(), x.DB, "movein_house", entry.ID)
		if len(mh) < 5 || !strings.Contains(string(mh[0].After), "入户门钥匙×3") {
			t.Errorf("handover not audited: %d entries", len(mh))
		}

		// The campaign counts it.
		var cv movein.Campaign
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/movein/campaigns/%d", c.ID), nil, http.StatusOK).JSON(t, &cv)
		if cv.Stages == nil || cv.Stages.Houses != 1 || cv.Stages.Stages[5].Count != 1 || cv.Stages.Stages[2].Count != 1 {
			t.Errorf("dashboard after handover: %+v", cv.Stages)
		}
	})
}

// TestHandoverVacantAndConfiguredFees: a campaign naming its fee items
// wants each of them charged and paid ("未开具" blocks too); an owner who
// does not move in leaves the house 空置.
func TestHandoverVacantAndConfiguredFees(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		item := x.feeItem("预收物业费", "300", false)
		c := x.campaign(nil, map[string]any{"fee_item_ids": []int64{item}})
		if len(c.FeeItems) != 1 || c.FeeItems[0].Name != "预收物业费" {
			t.Fatalf("campaign fee items: %+v", c.FeeItems)
		}
		house := x.second.ID
		for _, doc := range []string{"业主手册", "安全责任书", "临时管理规约", "前期物业服务协议"} {
			if r := x.sign(house, doc); r.Code != http.StatusCreated {
				t.Fatalf("sign %s: %s", doc, r)
			}
		}
		handover := fmt.Sprintf("/api/v1/movein/houses/%d/handover", house)
		body := map[string]any{"keys": []string{"入户门钥匙", "信报箱钥匙"}, "signed_by": "李业主", "date": "2026-11-19", "occupied": false}
		x.apiError(x.API(auth.RoleCSAgent).Post(handover, body), http.StatusConflict, "fees", "预收物业费未开具")
		bill, amount := x.charge(house, item)
		x.do(auth.RoleCashier, "POST", "/api/v1/payments", map[string]any{"house_id": house, "bill_ids": []int64{bill},
			"amount_fen": amount, "method": "wechat"}, http.StatusCreated)
		var e movein.Entry
		x.do(auth.RoleCSManager, "POST", handover, body, http.StatusOK).JSON(t, &e)
		if e.HandedOverOn != "2026-11-19" || e.HandoverBy != "李业主" || e.Occupied || len(e.Keys) != 2 || e.Keys[1] != (movein.Key{Name: "信报箱钥匙", Count: 1}) {
			t.Errorf("vacant handover: %+v", e)
		}
		if got := x.houseStatus(house); got != "空置" {
			t.Errorf("house status %q, want 空置", got)
		}
	})
}

// TestDefectBecomesRepairTicket: a 验房 defect registers a repair ticket
// of the house (category 验房), linked to the move-in record; the owner
// can accept the house with it still open, and the acceptance says so.
func TestDefectBecomesRepairTicket(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.campaign(nil, nil)
		house := x.A.House.ID
		var d movein.Defect
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/movein/houses/%d/defects", house),
			map[string]any{"room": "主卫", "description": "地漏排水慢"}, http.StatusCreated).JSON(t, &d)
		if d.ID == 0 || d.TicketID == 0 || !strings.HasPrefix(d.TicketNumber, "TS") || !d.Open || d.Party != movein.PartyDeveloper {
			t.Fatalf("defect: %+v", d)
		}
		var tk struct {
			Kind        string `json:"kind"`
			Channel     string `json:"channel"`
			Category    string `json:"category"`
			Title       string `json:"title"`
			Requester   string `json:"requester_name"`
			HouseID     *int64 `json:"house_id"`
			CommunityID int64  `json:"community_id"`
		}
		x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/tickets/%d", d.TicketID), nil, http.StatusOK).JSON(t, &tk)
		if tk.Kind != "repair" || tk.Channel != "visit" || tk.Category != "验房" || tk.HouseID == nil || *tk.HouseID != house ||
			tk.Title != "主卫：地漏排水慢" || tk.Requester != "张三" || tk.CommunityID != x.A.Community.ID {
			t.Errorf("ticket: %+v", tk)
		}
		e := x.record(house)
		if len(e.Defects) != 1 || e.Defects[0].TicketNumber != d.TicketNumber || e.Defects[0].StatusLabel != "待派工" {
			t.Errorf("record's defects: %+v", e.Defects)
		}
		var acc movein.Entry
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/movein/houses/%d/accept", house), map[string]any{},
			http.StatusOK).JSON(t, &acc)
		if acc.AcceptedBy != "张三" || acc.AcceptedOn != "2026-11-20" || !strings.Contains(acc.AcceptanceNote, "主卫：地漏排水慢") ||
			!acc.Stages.Inspected {
			t.Errorf("acceptance with an open defect: %+v", acc)
		}
		x.apiError(x.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/movein/houses/%d/accept", house), map[string]any{}),
			http.StatusConflict, "accepted_on", "已于 2026-11-20")

		// Resolving the ticket closes the defect on the dashboard.
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/tickets/%d/dispatch", d.TicketID), map[string]any{"department": "工程部"}, http.StatusOK)
		x.do(auth.RoleDeptStaff, "POST", fmt.Sprintf("/api/v1/tickets/%d/resolve", d.TicketID), map[string]any{"resolution": "已疏通"}, http.StatusOK)
		var cv movein.Campaign
		x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/movein/campaigns/%d", acc.CampaignID), nil, http.StatusOK).JSON(t, &cv)
		if cv.Stages.DefectsOpen != 0 || cv.Stages.DefectsClosed != 1 {
			t.Errorf("defects after the repair: open %d closed %d", cv.Stages.DefectsOpen, cv.Stages.DefectsClosed)
		}
	})
}
