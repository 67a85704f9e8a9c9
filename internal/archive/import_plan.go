package archive

import (
	"context"
	"fmt"
	"slices"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/money"
)

// What an import finds in the database: the community's structure,
// houses, owners and active ownership links, loaded with one query each
// so that planning does no per-row query.

type dbHouse struct {
	id, unitID              int64
	number, code            string
	floor                   int
	gross, inner            int64
	use, status, deliv, nts string
	links                   []dbLink
}

type dbLink struct{ id, ownerID, share int64 }

type dbOwner struct {
	id                                      int64
	name, phone, idType, idNumber, category string
}

type unitKey struct {
	buildingID int64
	name       string
}

type houseAt struct {
	unitID int64
	number string
}

type importState struct {
	buildings map[string]int64
	units     map[unitKey]int64
	houses    map[houseAt]*dbHouse
	owners    map[int64]*dbOwner
	ownerByID map[string]*dbOwner // by ID number
	ownerByNP map[string]*dbOwner // by name + phone
}

func loadImportState(ctx context.Context, q db.Querier, communityID int64) (*importState, error) {
	st := &importState{buildings: map[string]int64{}, units: map[unitKey]int64{}, houses: map[houseAt]*dbHouse{},
		owners: map[int64]*dbOwner{}, ownerByID: map[string]*dbOwner{}, ownerByNP: map[string]*dbOwner{}}
	each := func(query string, scan func(scanner) error) error {
		rows, err := q.QueryContext(ctx, query, communityID)
		if err != nil {
			return fmt.Errorf("import load: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err := each(`SELECT id, name FROM buildings WHERE community_id = $1`, func(r scanner) error {
		var id int64
		var name string
		err := r.Scan(&id, &name)
		st.buildings[name] = id
		return err
	})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT id, building_id, name FROM units WHERE community_id = $1`, func(r scanner) error {
		var id int64
		var k unitKey
		err := r.Scan(&id, &k.buildingID, &k.name)
		st.units[k] = id
		return err
	})
	if err != nil {
		return nil, err
	}
	byID := map[int64]*dbHouse{}
	err = each(`SELECT id, unit_id, number, code, floor, gross_area, inner_area, house_use, status, delivered_on, notes
		FROM houses WHERE community_id = $1`, func(r scanner) error {
		var h dbHouse
		err := r.Scan(&h.id, &h.unitID, &h.number, &h.code, &h.floor, &h.gross, &h.inner, &h.use, &h.status, &h.deliv, &h.nts)
		st.houses[houseAt{h.unitID, h.number}] = &h
		byID[h.id] = &h
		return err
	})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT id, name, phone, id_type, id_number, category FROM owners WHERE community_id = $1 ORDER BY id`,
		func(r scanner) error {
			var o dbOwner
			if err := r.Scan(&o.id, &o.name, &o.phone, &o.idType, &o.idNumber, &o.category); err != nil {
				return err
			}
			st.owners[o.id] = &o
			if _, dup := st.ownerByID[o.idNumber]; o.idNumber != "" && !dup {
				st.ownerByID[o.idNumber] = &o
			}
			if _, dup := st.ownerByNP[npKey(o.name, o.phone)]; !dup {
				st.ownerByNP[npKey(o.name, o.phone)] = &o
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT id, house_id, owner_id, share FROM house_owners WHERE community_id = $1 AND active ORDER BY id`,
		func(r scanner) error {
			var l dbLink
			var houseID int64
			if err := r.Scan(&l.id, &houseID, &l.ownerID, &l.share); err != nil {
				return err
			}
			if h := byID[houseID]; h != nil {
				h.links = append(h.links, l)
			}
			return nil
		})
	return st, err
}

func npKey(name, phone string) string { return name + "\x00" + phone }

// ownerPlan is what becomes of one file owner.
type ownerPlan struct {
	fo      *fileOwner
	cur     *dbOwner // nil: a new owner
	want    dbOwner  // id filled in once known
	changed bool
}

// housePlan is what becomes of one file house.
type housePlan struct {
	fh           *fileHouse
	unitID       int64 // 0 until a new unit exists
	cur          *dbHouse
	want         dbHouse
	fields       bool // its own fields change
	linksChanged bool
	links        []linkPlan
}

type linkPlan struct {
	owner *ownerPlan
	share int64
}

type unitPlan struct {
	building string
	name     string
}

// importPlan is every write a clean file leads to.
type importPlan struct {
	st           *importState
	newBuildings []string
	newUnits     []unitPlan
	owners       []*ownerPlan
	houses       []*housePlan
	errs         []excel.RowError
}

func (p *importPlan) fail(row, col int, format string, a ...any) {
	p.errs = append(p.errs, excel.RowError{Row: row, Column: HouseColumns[col].Header, Reason: fmt.Sprintf(format, a...)})
}

// planImport compares the file with the database and fills the report's
// counts. Cells left blank keep an existing record's value.
func planImport(f *importFile, st *importState, rep *ImportReport) *importPlan {
	p := &importPlan{st: st}
	newB, newU := map[string]bool{}, map[unitPlan]bool{}
	for _, fh := range f.houses {
		bid, ok := st.buildings[fh.key.building]
		if !ok && !newB[fh.key.building] {
			newB[fh.key.building] = true
			p.newBuildings = append(p.newBuildings, fh.key.building)
		}
		up := unitPlan{fh.key.building, fh.key.unit}
		uid, uok := st.units[unitKey{bid, fh.key.unit}]
		if !ok || !uok {
			uid = 0
			if !newU[up] {
				newU[up] = true
				p.newUnits = append(p.newUnits, up)
			}
		}
		hp := &housePlan{fh: fh, unitID: uid}
		if uid != 0 {
			hp.cur = st.houses[houseAt{uid, fh.key.number}]
		}
		p.houses = append(p.houses, hp)
	}
	rep.NewBuildings, rep.NewUnits = len(p.newBuildings), len(p.newUnits)

	byFile := map[*fileOwner]*ownerPlan{}
	claimed := map[int64]*fileOwner{}
	for _, fo := range f.owners {
		op := p.planOwner(fo, st)
		if op == nil {
			continue
		}
		if op.cur != nil {
			if other := claimed[op.cur.id]; other != nil {
				p.fail(fo.row, icName, "与第 %d 行的业主对应系统中同一位业主（%s），请合并为一人或补全证件号码", other.row, op.cur.name)
				continue
			}
			claimed[op.cur.id] = fo
			if op.changed {
				rep.UpdatedOwners++
			}
		} else {
			rep.NewOwners++
		}
		byFile[fo] = op
		p.owners = append(p.owners, op)
	}

	for _, hp := range p.houses {
		fh := hp.fh
		w := dbHouse{number: fh.key.number, code: fh.key.code(), floor: fh.in.Floor, gross: fh.gross, inner: fh.inner,
			use: fh.in.Use, status: fh.in.Status, deliv: fh.in.DeliveredOn, nts: fh.in.Notes}
		for _, l := range fh.links {
			if op := byFile[l.owner]; op != nil {
				hp.links = append(hp.links, linkPlan{op, l.share})
			}
		}
		if hp.cur == nil {
			hp.want, hp.linksChanged = w, len(hp.links) > 0
			rep.NewHouses++
			continue
		}
		c := hp.cur
		keep := func(col int) bool { return fh.raw[col] == "" }
		if keep(icFloor) {
			w.floor = c.floor
		}
		if keep(icInner) {
			w.inner = c.inner
		}
		if keep(icUse) {
			w.use = c.use
		}
		if keep(icStatus) {
			w.status = c.status
		}
		if keep(icDelivered) {
			w.deliv = c.deliv
		}
		if keep(icNotes) {
			w.nts = c.nts
		}
		w.id, w.unitID, w.links = c.id, c.unitID, c.links
		hp.want = w
		hp.fields = w.floor != c.floor || w.gross != c.gross || w.inner != c.inner || w.use != c.use ||
			w.status != c.status || w.deliv != c.deliv || w.nts != c.nts
		if len(fh.links) > 0 { // no owner in the file: the house keeps its owners
			hp.linksChanged = linksDiffer(c.links, hp.links)
		}
		if hp.fields || hp.linksChanged {
			rep.UpdatedHouses++
		} else {
			rep.Unchanged++
		}
	}
	return p
}

func linksDiffer(cur []dbLink, want []linkPlan) bool {
	if len(cur) != len(want) {
		return true
	}
	have := map[int64]int64{}
	for _, l := range cur {
		have[l.ownerID] = l.share
	}
	for _, l := range want {
		if l.owner.cur == nil {
			return true
		}
		s, ok := have[l.owner.cur.id]
		if !ok || s != l.share {
			return true
		}
	}
	return false
}

// planOwner finds the file owner in the database: by ID number; failing
// that (or without one) by name and phone. A masked ID number, as an
// export shows it to roles that may not see ID numbers, keeps the stored
// number if it matches the mask.
func (p *importPlan) planOwner(fo *fileOwner, st *importState) *ownerPlan {
	in := fo.in
	op := &ownerPlan{fo: fo}
	np := npKey(in.Name, in.Phone)
	switch {
	case in.IDNumber != "":
		if op.cur = st.ownerByID[in.IDNumber]; op.cur == nil {
			if o := st.ownerByNP[np]; o != nil && o.idNumber == "" {
				op.cur = o
			}
		}
	default:
		op.cur = st.ownerByNP[np]
	}
	if fo.masked != "" {
		if op.cur == nil {
			p.fail(fo.row, icIDNumber, "证件号码是脱敏显示的（%s），系统中没有姓名和电话相同的业主，无法新建：请填写完整证件号码", fo.masked)
			return nil
		}
		if auth.MaskID(op.cur.idNumber) != fo.masked {
			p.fail(fo.row, icIDNumber, "证件号码是脱敏显示的（%s），与系统中该业主的证件号码不符：请填写完整证件号码", fo.masked)
			return nil
		}
	}
	op.want = dbOwner{name: in.Name, phone: in.Phone, idType: in.IDType, idNumber: in.IDNumber, category: in.Category}
	if c := op.cur; c != nil {
		keep := func(col int) bool { return fo.raw[col] == "" }
		if keep(icPhone) {
			op.want.phone = c.phone
		}
		if keep(icIDType) {
			op.want.idType = c.idType
		}
		if in.IDNumber == "" { // blank or masked: the stored number stays
			op.want.idNumber = c.idNumber
		}
		if keep(icCategory) {
			op.want.category = c.category
		}
		op.want.id = c.id
		op.changed = op.want != *c
	}
	return op
}

// snapshots are what the audit log keeps of imported records.

type houseSnap struct {
	Code        string   `json:"code"`
	Number      string   `json:"number"`
	Floor       int      `json:"floor"`
	GrossArea   string   `json:"gross_area"`
	InnerArea   string   `json:"inner_area"`
	Use         string   `json:"use"`
	Status      string   `json:"status"`
	DeliveredOn string   `json:"delivered_on"`
	Notes       string   `json:"notes"`
	Owners      []string `json:"owners"`
}

func snapHouse(h *dbHouse, owners []string) *houseSnap {
	if owners == nil {
		owners = []string{}
	}
	return &houseSnap{Code: h.code, Number: h.number, Floor: h.floor, GrossArea: plainArea(h.gross),
		InnerArea: plainArea(h.inner), Use: h.use, Status: h.status, DeliveredOn: h.deliv, Notes: h.nts, Owners: owners}
}

type ownerSnap struct {
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	IDType   string `json:"id_type"`
	IDNumber string `json:"id_number"`
	Category string `json:"category"`
}

func snapOwner(o *dbOwner) *ownerSnap {
	return &ownerSnap{Name: o.name, Phone: o.phone, IDType: o.idType, IDNumber: o.idNumber, Category: o.category}
}

// ownerNames lists a house's owners as the audit log shows them:
// "张三(50.00%)", sorted so that order in the file does not matter.
func ownerNames(owners map[int64]*dbOwner, links []dbLink) []string {
	out := make([]string, 0, len(links))
	for _, l := range links {
		name := ""
		if o := owners[l.ownerID]; o != nil {
			name = o.name
		}
		out = append(out, fmt.Sprintf("%s(%s%%)", name, plainArea(l.share)))
	}
	slices.Sort(out)
	return out
}

func plainArea(v int64) string { return money.PlainHundredths(v) }
