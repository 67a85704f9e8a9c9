package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// ImportReport says what an import of houses and owners found (preview)
// or did (commit). A file with errors imports nothing.
type ImportReport struct {
	Rows            int              `json:"rows"`
	NewHouses       int              `json:"new_houses"`
	UpdatedHouses   int              `json:"updated_houses"`
	Unchanged       int              `json:"unchanged"`
	NewOwners       int              `json:"new_owners"`
	UpdatedOwners   int              `json:"updated_owners"`
	NewBuildings    int              `json:"new_buildings"`
	NewUnits        int              `json:"new_units"`
	Errors          []excel.RowError `json:"errors"`
	ErrorsTruncated bool             `json:"errors_truncated,omitempty"`
	Committed       bool             `json:"committed"`
}

// Clean reports whether the file had no error.
func (r *ImportReport) Clean() bool { return len(r.Errors) == 0 }

// maxImportErrors caps the list a hopeless file produces.
const maxImportErrors = 10000

// The import template's columns (and the houses export's), in order.
const (
	icBuilding = iota
	icUnit
	icNumber
	icFloor
	icGross
	icInner
	icUse
	icStatus
	icDelivered
	icName
	icPhone
	icIDType
	icIDNumber
	icCategory
	icShare
	icNotes
	icCount
)

// HouseColumns are the columns of the import template and of the houses
// export, so that an exported file can be imported again.
var HouseColumns = []excel.Column{
	{Header: "楼栋", Width: 8}, {Header: "单元", Width: 8}, {Header: "房号", Width: 9},
	{Header: "楼层", Width: 7, Format: excel.Integer}, {Header: "建筑面积", Width: 11, Format: excel.Decimal2},
	{Header: "套内面积", Width: 11, Format: excel.Decimal2}, {Header: "用途", Width: 8}, {Header: "状态", Width: 9},
	{Header: "交付日期", Width: 12}, {Header: "业主姓名", Width: 11}, {Header: "业主电话", Width: 14},
	{Header: "证件类型", Width: 12}, {Header: "证件号码", Width: 21}, {Header: "业主类别", Width: 11},
	{Header: "产权份额(%)", Width: 12, Format: excel.Decimal2}, {Header: "备注", Width: 24},
}

// headerAliases accepts a few common names for the template's columns.
var headerAliases = map[string]int{
	"房屋用途": icUse, "房屋状态": icStatus, "姓名": icName, "电话": icPhone, "联系电话": icPhone,
	"手机": icPhone, "证件号": icIDNumber, "身份证号": icIDNumber, "身份证号码": icIDNumber, "类别": icCategory,
	"产权份额": icShare, "份额": icShare, "份额(%)": icShare, "产权比例(%)": icShare,
}

// fieldColumn maps a validation error's field to the column it came from.
var fieldColumn = map[string]int{
	"building": icBuilding, "unit": icUnit, "number": icNumber, "floor": icFloor, "gross_area": icGross,
	"inner_area": icInner, "use": icUse, "status": icStatus, "delivered_on": icDelivered, "notes": icNotes,
	"name": icName, "phone": icPhone, "id_type": icIDType, "id_number": icIDNumber, "category": icCategory,
	"share": icShare,
}

var importHouseCols = []int{icFloor, icGross, icInner, icUse, icStatus, icDelivered, icNotes}
var importOwnerCols = []int{icName, icPhone, icIDType, icIDNumber, icCategory}

type houseKey struct{ building, unit, number string }

func (k houseKey) code() string { return HouseCode(k.building, k.unit, k.number) }

// fileHouse is one house as the file describes it: its first row, and
// the owners of all its rows.
type fileHouse struct {
	key          houseKey
	row          int
	raw          [icCount]string
	in           HouseInput
	gross, inner int64
	links        []fileLink
	bad          bool // its first row has errors
}

type fileLink struct {
	owner *fileOwner
	share int64 // hundredths of a percent; 0 until shares are settled
	given bool
	row   int
}

// fileOwner is one person as the file describes them; rows naming the
// same person (same ID number, or same name and phone) are one owner.
type fileOwner struct {
	key    string
	row    int
	raw    [icCount]string
	in     OwnerInput
	masked string // a masked ID number (110101********1234) from an export
}

// importFile is a parsed and validated file.
type importFile struct {
	rows    int
	houses  []*fileHouse
	byKey   map[houseKey]*fileHouse
	owners  []*fileOwner
	ownerBy map[string]*fileOwner
	errs    []excel.RowError
}

func (f *importFile) fail(row, col int, format string, a ...any) {
	e := excel.RowError{Row: row, Reason: fmt.Sprintf(format, a...)}
	if col >= 0 {
		e.Column = HouseColumns[col].Header
	}
	f.errs = append(f.errs, e)
}

// readImport parses the file and validates every row with the archive's
// own rules; it touches no database.
func readImport(r io.Reader, communityID int64) *importFile {
	f := &importFile{byKey: map[houseKey]*fileHouse{}, ownerBy: map[string]*fileOwner{}}
	x, err := excel.Open(r)
	if err != nil {
		f.fail(0, -1, "无法读取文件：请上传 Excel 工作簿（.xlsx），建议使用导入模板")
		return f
	}
	defer x.Close()
	var idx []int // sheet column → template column, -1 to ignore
	for x.Next() {
		n, cells := x.Row()
		if x.Blank() {
			continue
		}
		if idx == nil {
			if idx = f.header(n, cells); idx == nil {
				return f
			}
			continue
		}
		var c [icCount]string
		for i, v := range cells {
			if i < len(idx) && idx[i] >= 0 {
				c[idx[i]] = v
			}
		}
		f.rows++
		f.row(n, clean(c), communityID)
	}
	if err := x.Err(); err != nil {
		f.fail(0, -1, "文件内容有损坏，无法读完：%v", err)
	}
	if idx == nil {
		f.fail(0, -1, "文件是空的：请在导入模板的第一个工作表中填写房屋")
	}
	f.settleShares()
	return f
}

// header maps the sheet's columns to the template's; every template
// column must be present, in any order.
func (f *importFile) header(n int, cells []string) []int {
	idx := make([]int, len(cells))
	seen := make([]bool, icCount)
	for i, h := range cells {
		idx[i] = -1
		k := excel.HeaderKey(h)
		col, ok := headerAliases[k]
		if !ok {
			col = slices.IndexFunc(HouseColumns, func(c excel.Column) bool { return excel.HeaderKey(c.Header) == k })
		}
		if col >= 0 && !seen[col] {
			idx[i], seen[col] = col, true
		}
	}
	missing := false
	for col, ok := range seen {
		if !ok {
			missing = true
			f.fail(n, col, "缺少列“%s”：请使用导入模板，第一行为列名", HouseColumns[col].Header)
		}
	}
	if missing {
		return nil
	}
	return idx
}

// clean undoes what Excel does to numbers typed into cells.
func clean(c [icCount]string) [icCount]string {
	for _, i := range []int{icNumber, icFloor, icPhone, icIDNumber} {
		c[i] = excel.Plain(c[i])
	}
	c[icGross], c[icInner] = excel.Decimal(c[icGross]), excel.Decimal(c[icInner])
	c[icShare] = excel.Decimal(strings.TrimSuffix(strings.TrimSpace(c[icShare]), "%"))
	c[icDelivered] = excel.Date(c[icDelivered])
	return c
}

// addErrs reports validation errors of one row, except those of columns
// the row left blank and took from an earlier row of the same record.
func (f *importFile) addErrs(row int, err error, inherited *[icCount]bool) {
	if err == nil {
		return
	}
	var l *errs.List
	items := errs.Fields{}
	if errors.As(err, &l) {
		items = l.Items
	} else if e, ok := errs.As(err); ok {
		items = errs.Fields{e}
	}
	for _, e := range items {
		col, ok := fieldColumn[e.Field]
		if !ok || (inherited != nil && inherited[col]) {
			continue
		}
		f.fail(row, col, "%s", e.Message)
	}
}

// inherit fills the cells a repeated row left blank from the first row.
func inherit(c *[icCount]string, first *[icCount]string, cols []int) (inh [icCount]bool) {
	for _, i := range cols {
		if c[i] == "" && first[i] != "" {
			c[i], inh[i] = first[i], true
		}
	}
	return inh
}

func (f *importFile) row(n int, c [icCount]string, communityID int64) {
	var fe errs.Fields
	building := validSegment(&fe, "building", "楼栋", c[icBuilding])
	unit := validSegment(&fe, "unit", "单元", c[icUnit])
	keyOK := len(fe) == 0 && numberRe.MatchString(c[icNumber])
	f.addErrs(n, fe.Err(), nil)
	key := houseKey{building, unit, c[icNumber]}

	h := f.byKey[key]
	var inh [icCount]bool
	if h != nil {
		inh = inherit(&c, &h.raw, importHouseCols)
	}
	in := HouseInput{UnitID: 1, Number: c[icNumber], GrossArea: web.Text(c[icGross]), InnerArea: web.Text(c[icInner]),
		Use: c[icUse], Status: c[icStatus], DeliveredOn: c[icDelivered], Notes: c[icNotes]}
	var houseErr errs.Fields
	if c[icFloor] != "" {
		fl, err := strconv.Atoi(strings.TrimSuffix(c[icFloor], ".0"))
		if err != nil {
			houseErr.Add("floor", "楼层须为整数，如 12（地下层用负数）")
		}
		in.Floor = fl
	}
	gross, inner, err := in.validate()
	f.addErrs(n, houseErr.Err(), &inh)
	f.addErrs(n, err, &inh)
	houseOK := err == nil && len(houseErr) == 0
	switch {
	case !keyOK:
	case h == nil:
		h = &fileHouse{key: key, row: n, raw: c, in: in, gross: gross, inner: inner, bad: !houseOK}
		f.houses = append(f.houses, h)
		f.byKey[key] = h
	case houseOK && !h.bad:
		for _, d := range []struct {
			col  int
			same bool
		}{{icFloor, in.Floor == h.in.Floor}, {icGross, gross == h.gross}, {icInner, inner == h.inner},
			{icUse, in.Use == h.in.Use}, {icStatus, in.Status == h.in.Status},
			{icDelivered, in.DeliveredOn == h.in.DeliveredOn}, {icNotes, in.Notes == h.in.Notes}} {
			if !d.same {
				f.fail(n, d.col, "与第 %d 行同一房屋（%s）的%s不一致", h.row, key.code(), HouseColumns[d.col].Header)
			}
		}
	}

	if c[icName] == "" && c[icPhone] == "" && c[icIDType] == "" && c[icIDNumber] == "" && c[icCategory] == "" && c[icShare] == "" {
		return // a house without an owner on this row
	}
	o := f.owner(n, c, communityID)
	var sf errs.Fields
	share := parseShare(&sf, c[icShare])
	f.addErrs(n, sf.Err(), nil)
	if o == nil || h == nil {
		return
	}
	for _, l := range h.links {
		if l.owner == o {
			f.fail(n, icName, "业主 %s 在房屋 %s 中重复出现（第 %d 行已列出）", o.in.Name, key.code(), l.row)
			return
		}
	}
	h.links = append(h.links, fileLink{owner: o, share: share, given: share > 0, row: n})
}

// owner validates the owner columns of row n and returns the file owner
// they name (nil if invalid).
func (f *importFile) owner(n int, c [icCount]string, communityID int64) *fileOwner {
	id := strings.ToUpper(c[icIDNumber])
	masked := ""
	if strings.Contains(id, "*") {
		masked, id = id, ""
	}
	phone := c[icPhone] // trimmed by the reader; normPhone only changes these
	if strings.ContainsAny(phone, " +—") {
		phone = normPhone(phone)
	}
	key := "np:" + strings.TrimSpace(c[icName]) + "\x00" + phone
	if id != "" {
		key = "id:" + id
	}
	prev := f.ownerBy[key]
	var inh [icCount]bool
	if prev != nil {
		inh = inherit(&c, &prev.raw, importOwnerCols)
		if masked == "" && prev.masked != "" && c[icIDNumber] == prev.masked {
			masked = prev.masked
		}
	}
	in := OwnerInput{CommunityID: communityID, Name: c[icName], Phone: c[icPhone], IDType: c[icIDType],
		IDNumber: id, Category: c[icCategory]}
	if err := in.validate(); err != nil {
		f.addErrs(n, err, &inh)
		return nil
	}
	if prev == nil {
		o := &fileOwner{key: key, row: n, raw: c, in: in, masked: masked}
		f.owners = append(f.owners, o)
		f.ownerBy[key] = o
		return o
	}
	what := "证件号码"
	if id == "" {
		what = "姓名和电话"
	}
	bad := false
	for _, d := range []struct {
		col  int
		same bool
	}{{icName, in.Name == prev.in.Name}, {icPhone, in.Phone == prev.in.Phone}, {icIDType, in.IDType == prev.in.IDType},
		{icCategory, in.Category == prev.in.Category}, {icIDNumber, masked == prev.masked}} {
		if !d.same {
			bad = true
			f.fail(n, d.col, "与第 %d 行%s相同的业主（%s）的%s不一致", prev.row, what, prev.in.Name, HouseColumns[d.col].Header)
		}
	}
	if bad {
		return nil
	}
	return prev
}

// settleShares gives every house's owners their shares: the shares
// written, the rest split equally among the owners without one; the
// total must be exactly 100%.
func (f *importFile) settleShares() {
	for _, h := range f.houses {
		if len(h.links) == 0 {
			continue
		}
		var total int64
		blanks := 0
		for _, l := range h.links {
			total += l.share
			if !l.given {
				blanks++
			}
		}
		rest := 100_00 - total
		if (blanks == 0 && rest != 0) || (blanks > 0 && rest < int64(blanks)) {
			msg := fmt.Sprintf("房屋 %s 的产权份额合计须为 100%%（现为 %s%%）", h.key.code(), money.PlainHundredths(total))
			if blanks > 0 {
				msg = fmt.Sprintf("房屋 %s 已填写的产权份额合计 %s%%，未填写份额的 %d 位业主无份额可分", h.key.code(),
					money.PlainHundredths(total), blanks)
			}
			f.fail(h.links[0].row, icShare, "%s", msg)
			continue
		}
		each, extra := int64(0), int64(0)
		if blanks > 0 {
			each, extra = rest/int64(blanks), rest%int64(blanks)
		}
		for i := range h.links {
			if !h.links[i].given {
				h.links[i].share = each
				if extra > 0 {
					h.links[i].share++
					extra--
				}
			}
		}
	}
}

// errImport is the error an import with a bad file returns beside its
// report.
func errImport(rep *ImportReport) error {
	return errs.Invalid("file", "文件中有 %d 处错误，未导入任何数据；请改正后重新上传", len(rep.Errors))
}

var errRollback = errors.New("import: roll back")

// ImportHouses imports the houses and owners of an .xlsx file (the
// import template's columns) into one community. Buildings and units are
// created as needed; houses are matched by 楼栋-单元-房号, owners by ID
// number, else by name and phone. Every row is validated first: a file
// with any error writes nothing and returns the report listing each bad
// row with an invalid error. Without commit nothing is written either:
// the report says what a commit would do. A commit is one transaction
// with an "import" audit entry per created or changed record; importing
// the same file again changes nothing.
func (s *Service) ImportHouses(ctx context.Context, by *auth.User, communityID int64, r io.Reader, commit bool) (*ImportReport, error) {
	if !by.Can(auth.PermArchiveImport) {
		return nil, errs.Forbidden("您的角色无权导入档案")
	}
	if err := s.checkCommunity(ctx, s.DB, by, communityID); err != nil {
		return nil, err
	}
	f := readImport(r, communityID)
	rep := &ImportReport{Rows: f.rows, Errors: []excel.RowError{}}
	if len(f.errs) > 0 {
		rep.setErrors(f.errs)
		return rep, errImport(rep)
	}
	if !commit {
		st, err := loadImportState(ctx, s.DB, communityID)
		if err != nil {
			return nil, err
		}
		p := planImport(f, st, rep)
		if len(p.errs) > 0 {
			rep.setErrors(p.errs)
			return rep, errImport(rep)
		}
		return rep, nil
	}
	var p *importPlan
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		st, err := loadImportState(ctx, tx, communityID)
		if err != nil {
			return err
		}
		if p = planImport(f, st, rep); len(p.errs) > 0 {
			return errRollback
		}
		return s.applyImport(ctx, tx, by, communityID, p)
	})
	if errors.Is(err, errRollback) {
		rep.setErrors(p.errs)
		return rep, errImport(rep)
	}
	if db.IsUniqueViolation(err) {
		// Someone added the same house or building meanwhile.
		return nil, errs.Conflict("file", "导入期间该小区的档案被同时修改，未导入任何数据；请重新导入")
	}
	if err != nil {
		return nil, err
	}
	rep.Committed = true
	return rep, nil
}

func (r *ImportReport) setErrors(es []excel.RowError) {
	slices.SortStableFunc(es, func(a, b excel.RowError) int { return a.Row - b.Row })
	if len(es) > maxImportErrors {
		es, r.ErrorsTruncated = es[:maxImportErrors], true
	}
	r.Errors = es
}
