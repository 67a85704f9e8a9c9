package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/excel"
)

// MaxReadingImportBytes is the largest readings workbook accepted.
const MaxReadingImportBytes = 20 << 20

// maxImportErrors caps the errors a report lists.
const maxImportErrors = 1000

// ReadingColumns are the readings workbook's headers: 房号 as in the
// archive (3-2-1201), 读数, 换表 (是/否, empty = 否) and, for a replaced
// meter, 新表起始读数 (empty = 0). The last two columns are optional.
var ReadingColumns = []string{"房号", "读数", "换表(是/否)", "新表起始读数"}

// ReadingImport is the outcome of a readings workbook: what it would do
// (preview) or did (Committed), and every bad row. Nothing is written
// unless the whole file is clean.
type ReadingImport struct {
	Rows            int              `json:"rows"`
	New             int              `json:"new"`
	Updated         int              `json:"updated"`
	Unchanged       int              `json:"unchanged"`
	Errors          []excel.RowError `json:"errors"`
	ErrorsTruncated bool             `json:"errors_truncated,omitempty"`
	Committed       bool             `json:"committed"`
}

// Clean reports whether the file had no error.
func (r *ReadingImport) Clean() bool { return len(r.Errors) == 0 }

func (r *ReadingImport) fail(row int, col, format string, args ...any) {
	if len(r.Errors) >= maxImportErrors {
		r.ErrorsTruncated = true
		return
	}
	r.Errors = append(r.Errors, excel.RowError{Row: row, Column: col, Reason: fmt.Sprintf(format, args...)})
}

// ReadingImportInput names what a readings workbook is for.
type ReadingImportInput struct {
	CommunityID, FeeItemID int64
	Period                 string
	Commit                 bool
}

// rdRow is one clean row of the file, ready to write.
type rdRow struct {
	house, reading, prev, cons int64
	replacement                bool
	update                     bool
}

// ImportReadings checks a workbook of one metered item's readings for a
// community and period and, with Commit and a clean file, writes them in
// one transaction with an audit entry per new or changed reading. The
// rules are RecordReading's: a reading lower than the previous one needs
// 换表, a billed reading cannot change. A house whose later period is
// already read must be corrected one by one. Rows identical to what is
// stored are unchanged, so importing the same file again writes nothing.
func (s *Service) ImportReadings(ctx context.Context, by *auth.User, in ReadingImportInput, file io.Reader) (*ReadingImport, error) {
	if err := can(by, auth.PermBillingMeter, "导入抄表读数"); err != nil {
		return nil, err
	}
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	if in.FeeItemID <= 0 {
		f.Add("fee_item_id", "请选择抄表项目")
	}
	var ok bool
	if in.Period, ok = normPeriod(in.Period); !ok {
		f.Add("period", "月份格式应为 2026-11")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := see(by, in.CommunityID); err != nil {
		return nil, err
	}
	it, err := getItem(ctx, s.DB.Q(ctx), in.FeeItemID)
	if err != nil || it.CommunityID != in.CommunityID {
		return nil, errs.Invalid("fee_item_id", "收费项目不存在")
	}
	if it.Kind != KindMetered {
		return nil, errs.Invalid("fee_item_id", "%s 不是抄表计费的项目", it.Name)
	}
	if it.Shared {
		return nil, errs.Invalid("fee_item_id", "%s 按总表公摊，请录入总表读数", it.Name)
	}
	rd, err := excel.Open(file)
	if err != nil {
		if errors.Is(err, excel.ErrNotXLSX) {
			return nil, errs.Invalid("file", "%s", err.Error())
		}
		return nil, errs.Invalid("file", "无法读取 Excel 文件：%v", err)
	}
	defer rd.Close()
	rep := &ReadingImport{Errors: []excel.RowError{}}
	var rows [][]string
	var nums []int
	col := map[string]int{}
	for rd.Next() {
		n, cells := rd.Row()
		if len(col) == 0 {
			for i, c := range cells {
				k := excel.HeaderKey(c)
				switch {
				case k == "房号" || k == "房屋" || k == "房屋编号":
					col["house"] = i
				case k == "读数" || k == "本月读数" || k == "本次读数":
					col["reading"] = i
				case strings.HasPrefix(k, "换表"):
					col["replacement"] = i
				case strings.Contains(k, "起始读数"):
					col["start"] = i
				}
			}
			if _, ok := col["house"]; !ok {
				return nil, errs.Invalid("file", "第 %d 行应为表头，须有“房号”和“读数”两列", n)
			}
			if _, ok := col["reading"]; !ok {
				return nil, errs.Invalid("file", "第 %d 行应为表头，须有“房号”和“读数”两列", n)
			}
			continue
		}
		if rd.Blank() {
			continue
		}
		rows, nums = append(rows, append([]string(nil), cells...)), append(nums, n)
	}
	if err := rd.Err(); err != nil {
		return nil, errs.Invalid("file", "无法读取 Excel 文件：%v", err)
	}
	if len(col) == 0 {
		return nil, errs.Invalid("file", "文件是空的：第一行须为表头（房号、读数、换表）")
	}
	rep.Rows = len(rows)
	if !in.Commit {
		_, err := s.planReadings(ctx, s.DB, in, rows, nums, col, rep)
		return rep, err
	}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := lockCommunity(ctx, tx, in.CommunityID); err != nil {
			return err
		}
		todo, err := s.planReadings(ctx, tx, in, rows, nums, col, rep)
		if err != nil || !rep.Clean() {
			return err
		}
		now := s.Now()
		for _, x := range todo {
			var before *Reading
			if x.update {
				if before, err = getReading(ctx, tx, x.house, in.FeeItemID, in.Period); err != nil {
					return err
				}
			}
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO meter_readings (community_id, house_id, fee_item_id, period, reading,
				previous, consumption, replacement, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)
				ON CONFLICT (house_id, fee_item_id, period) DO UPDATE SET reading = $5, previous = $6, consumption = $7,
				replacement = $8, updated_at = $10 RETURNING id`, in.CommunityID, x.house, in.FeeItemID, in.Period, x.reading,
				x.prev, x.cons, x.replacement, by.ID, now).Scan(&id); err != nil {
				return fmt.Errorf("save reading: %w", err)
			}
			after, err := getReading(ctx, tx, x.house, in.FeeItemID, in.Period)
			if err != nil {
				return err
			}
			action, old := audit.ActionImport, any(nil)
			if before != nil {
				old = before
			}
			if err := record(ctx, tx, by, in.CommunityID, "meter_reading", id, action, old, after); err != nil {
				return err
			}
		}
		rep.Committed = true
		return nil
	})
	if err != nil {
		rep.Committed = false
	}
	return rep, err
}

// planReadings validates the rows against the database as q sees it and
// returns the readings to write; problems go into rep.
func (s *Service) planReadings(ctx context.Context, q db.Querier, in ReadingImportInput, rows [][]string, nums []int,
	col map[string]int, rep *ReadingImport) ([]rdRow, error) {
	houses := map[string]int64{}
	if err := eachPair(ctx, q, `SELECT code, id FROM houses WHERE community_id = $1`, []any{in.CommunityID},
		func(code string, id int64) { houses[code] = id }); err != nil {
		return nil, err
	}
	prev := map[int64]int64{} // the latest reading before the period
	if err := eachRow(ctx, q, `SELECT house_id, reading FROM meter_readings WHERE fee_item_id = $1 AND period < $2
		ORDER BY house_id, period`, []any{in.FeeItemID, in.Period}, func(h, v int64) { prev[h] = v }); err != nil {
		return nil, err
	}
	later := map[int64]bool{}
	if err := eachRow(ctx, q, `SELECT house_id, count(*) FROM meter_readings WHERE fee_item_id = $1 AND period > $2
		GROUP BY house_id`, []any{in.FeeItemID, in.Period}, func(h, _ int64) { later[h] = true }); err != nil {
		return nil, err
	}
	billed := map[int64]bool{}
	if err := eachRow(ctx, q, `SELECT house_id, count(*) FROM bills WHERE fee_item_id = $1 AND period = $2 AND status <> 'void'
		GROUP BY house_id`, []any{in.FeeItemID, in.Period}, func(h, _ int64) { billed[h] = true }); err != nil {
		return nil, err
	}
	type cur struct {
		reading, prev, cons int64
		replacement         bool
	}
	existing := map[int64]cur{}
	crows, err := q.QueryContext(ctx, `SELECT house_id, reading, previous, consumption, replacement FROM meter_readings
		WHERE fee_item_id = $1 AND period = $2`, in.FeeItemID, in.Period)
	if err != nil {
		return nil, err
	}
	for crows.Next() {
		var h int64
		var c cur
		if err := crows.Scan(&h, &c.reading, &c.prev, &c.cons, &c.replacement); err != nil {
			crows.Close()
			return nil, err
		}
		existing[h] = c
	}
	crows.Close()
	if err := crows.Err(); err != nil {
		return nil, err
	}

	cell := func(cells []string, key string) string {
		i, ok := col[key]
		if !ok {
			return ""
		}
		return strings.TrimSpace(excel.Cell(cells, i))
	}
	seen := map[int64]int{}
	var out []rdRow
	for i, cells := range rows {
		n := nums[i]
		bad := len(rep.Errors)
		code := strings.NewReplacer("－", "-", "—", "-", " ", "").Replace(cell(cells, "house"))
		house, ok := houses[code]
		switch {
		case code == "":
			rep.fail(n, "房号", "请填写房号，如 3-2-1201")
		case !ok:
			rep.fail(n, "房号", "本小区没有房屋 %s", code)
		case seen[house] > 0:
			rep.fail(n, "房号", "%s 与第 %d 行重复", code, seen[house])
		default:
			seen[house] = n
		}
		var f errs.Fields
		reading := parseReading(&f, "reading", excel.Decimal(cell(cells, "reading")), true)
		start := parseReading(&f, "start", excel.Decimal(cell(cells, "start")), false)
		fe := errs.ByField(f.Err())
		for _, k := range [][2]string{{"reading", "读数"}, {"start", "新表起始读数"}} {
			if msg, ok := fe[k[0]]; ok {
				rep.fail(n, k[1], "%s", msg)
			}
		}
		var replacement bool
		switch cell(cells, "replacement") {
		case "", "否", "N", "n", "no", "0":
		case "是", "Y", "y", "yes", "1", "换表":
			replacement = true
		default:
			rep.fail(n, "换表(是/否)", "请填写“是”或“否”")
		}
		if len(rep.Errors) > bad || house == 0 || !ok {
			continue
		}
		p := prev[house]
		cons := reading - p
		if replacement {
			cons = reading - start
		} else {
			start = 0
		}
		if cons < 0 {
			if replacement {
				rep.fail(n, "读数", "读数不能小于新表起始读数 %s", FormatQuantity(start))
			} else {
				rep.fail(n, "读数", "读数 %s 小于上次读数 %s；如已换表请在“换表”列填“是”", FormatQuantity(reading),
					FormatQuantity(p))
			}
			continue
		}
		old, had := existing[house]
		if had && old.reading == reading && old.prev == p && old.cons == cons && old.replacement == replacement {
			rep.Unchanged++
			continue
		}
		if billed[house] {
			rep.fail(n, "读数", "%s 已出账，读数不能再修改", in.Period)
			continue
		}
		if later[house] {
			rep.fail(n, "房号", "%s 已有 %s 之后月份的读数，请在页面上逐户修改", code, in.Period)
			continue
		}
		if had {
			rep.Updated++
		} else {
			rep.New++
		}
		out = append(out, rdRow{house: house, reading: reading, prev: p, cons: cons, replacement: replacement, update: had})
	}
	return out, nil
}

func eachPair(ctx context.Context, q db.Querier, query string, args []any, fn func(a string, b int64)) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		var b int64
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		fn(a, b)
	}
	return rows.Err()
}
