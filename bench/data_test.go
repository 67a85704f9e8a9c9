package bench

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"wuye/internal/archive"
	"wuye/internal/demo"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/excel"
)

// benchHouses is the number of houses, 100k unless WUYE_BENCH_HOUSES
// asks for a quick run.
func benchHouses(b *testing.B) int {
	if v := os.Getenv("WUYE_BENCH_HOUSES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 {
			b.Fatalf("WUYE_BENCH_HOUSES=%q: want a number ≥ 100", v)
		}
		return n
	}
	return 100_000
}

// freshDB is a new, migrated database of the dialect.
func freshDB(b *testing.B, dialect db.Dialect) *db.DB {
	b.Helper()
	d, err := db.Open(context.Background(), dbtest.DSN(b, dialect))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	// Only the modules the archive needs: the benchmarks measure the
	// archive, and do not depend on every other module building.
	if err := d.Migrate(context.Background(), auth.Module, audit.Module, archive.Module); err != nil {
		b.Fatal(err)
	}
	return d
}

type bHouse struct {
	id, comm, building, unit int64 // comm is 1-based; building and unit are ids
	bname, uname, number     string
	floor                    int
	gross, inner             int64
	use, status, delivered   string
}

type bOwner struct {
	id, comm                  int64
	name, key, py, ini        string
	phone, idNumber, category string
}

type bLink struct{ id, comm, house, owner, share int64 }

type bResident struct {
	id, comm, house           int64
	name, key, py, ini, phone string
	kind, relation            string
}

type bVehicle struct {
	id, comm, house                int64
	plate, tail, color, brand, who string
}

type bUnit struct {
	id, comm, building int64
	name               string
}

type bBuilding struct {
	id, comm int64
	name     string
}

// dataset is a generated archive: houses laid out in 4-unit, 25-floor
// buildings of 400 houses; one owner per house, a co-owner on every
// coOwnEvery-th house; realistic names, mobiles, ID numbers and plates
// from internal/demo with a fixed seed.
type dataset struct {
	communities int
	buildings   []bBuilding
	units       []bUnit
	houses      []bHouse
	owners      []bOwner
	links       []bLink
	residents   []bResident
	vehicles    []bVehicle
}

func generate(seed uint64, houses, communities, coOwnEvery int, residents, vehicles bool) *dataset {
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	ds := &dataset{communities: communities}
	ids := map[string]bool{}
	plates := map[string]bool{}
	uniqueID := func() string {
		for {
			id := demo.IDNumber(r, 1945, 2002, r.IntN(2) == 0)
			if !ids[id] {
				ids[id] = true
				return id
			}
		}
	}
	statuses := archive.HouseStatuses
	per := houses / communities
	for c := int64(1); c <= int64(communities); c++ {
		var bid, uid int64
		for j := 0; j < per; j++ {
			if j%400 == 0 {
				bid = int64(len(ds.buildings) + 1)
				ds.buildings = append(ds.buildings, bBuilding{id: bid, comm: c, name: strconv.Itoa(j/400 + 1)})
			}
			if j%100 == 0 {
				uid = int64(len(ds.units) + 1)
				ds.units = append(ds.units, bUnit{id: uid, comm: c, building: bid, name: strconv.Itoa(j%400/100 + 1)})
			}
			floor := j%100/4 + 1
			gross := int64(6000 + r.IntN(9000))
			h := bHouse{id: int64(len(ds.houses) + 1), comm: c, building: bid, unit: uid,
				bname: ds.buildings[bid-1].name, uname: ds.units[uid-1].name,
				number: fmt.Sprintf("%d%02d", floor, j%4+1), floor: floor, gross: gross, inner: gross * 4 / 5,
				use: "住宅", status: statuses[r.IntN(len(statuses))],
				delivered: fmt.Sprintf("20%02d-%02d-%02d", 10+r.IntN(14), 1+r.IntN(12), 1+r.IntN(28))}
			ds.houses = append(ds.houses, h)
			n := 1
			if coOwnEvery > 0 && j%coOwnEvery == 0 {
				n = 2
			}
			for k := 0; k < n; k++ {
				name := demo.PersonName(r)
				key, py, ini := archive.NameKeys(name)
				o := bOwner{id: int64(len(ds.owners) + 1), comm: c, name: name, key: key, py: py, ini: ini,
					phone: demo.MobilePhone(r), idNumber: uniqueID(), category: "普通"}
				if r.IntN(20) == 0 {
					o.category = "VIP"
				}
				ds.owners = append(ds.owners, o)
				ds.links = append(ds.links, bLink{id: int64(len(ds.links) + 1), comm: c, house: h.id, owner: o.id,
					share: 100_00 / int64(n)})
			}
			if residents && j%2 == 0 {
				name := demo.PersonName(r)
				key, py, ini := archive.NameKeys(name)
				ds.residents = append(ds.residents, bResident{id: int64(len(ds.residents) + 1), comm: c, house: h.id,
					name: name, key: key, py: py, ini: ini, phone: demo.MobilePhone(r), kind: "家庭成员", relation: demo.Relation(r)})
			}
			if vehicles && j%3 == 0 {
				var p string
				for p == "" || plates[p] {
					p = demo.Plate(r)
				}
				plates[p] = true
				ds.vehicles = append(ds.vehicles, bVehicle{id: int64(len(ds.vehicles) + 1), comm: c, house: h.id, plate: p,
					tail: archive.PlateTail(p), color: demo.CarColor(r), brand: demo.CarBrand(r), who: ds.owners[len(ds.owners)-1].name})
			}
		}
	}
	return ds
}

// xlsx writes the dataset's first community as an import file in the
// template's columns: co-owners on a second row of the same house, with
// their shares left for the import to split.
func (ds *dataset) xlsx(b *testing.B) []byte {
	w := excel.NewWriter()
	if err := w.Sheet("房屋业主", archive.HouseColumns); err != nil {
		b.Fatal(err)
	}
	owners := map[int64][]bOwner{}
	for _, l := range ds.links {
		owners[l.house] = append(owners[l.house], ds.owners[l.owner-1])
	}
	for _, h := range ds.houses {
		if h.comm != 1 {
			continue
		}
		os := owners[h.id]
		for _, o := range os {
			share := any(excel.Hundredths(100_00))
			if len(os) > 1 {
				share = ""
			}
			if err := w.Row(h.bname, h.uname, h.number, h.floor, excel.Hundredths(h.gross), excel.Hundredths(h.inner),
				h.use, h.status, h.delivered, o.name, o.phone, "身份证", o.idNumber, o.category, share, ""); err != nil {
				b.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// rawLoad writes the dataset with plain INSERTs and explicit ids in one
// transaction: no validation, no audit, no lookups. batch 1 is one
// prepared single-row statement per row (the baseline the import is
// measured against); a larger batch uses multi-row statements (a fast
// way to load the search benchmark's database).
func (ds *dataset) rawLoad(ctx context.Context, d *db.DB, batch int) error {
	now := time.Now().UTC()
	return d.Tx(ctx, func(tx *sql.Tx) error {
		type table struct {
			name string
			cols []string
			rows int
			row  func(i int) []any
		}
		tables := []table{
			{"communities", []string{"id", "name", "type", "created_at", "updated_at"}, ds.communities,
				func(i int) []any { return []any{i + 1, fmt.Sprintf("基准小区%d", i+1), "住宅", now, now} }},
			{"buildings", []string{"id", "community_id", "name", "created_at", "updated_at"}, len(ds.buildings),
				func(i int) []any { x := ds.buildings[i]; return []any{x.id, x.comm, x.name, now, now} }},
			{"units", []string{"id", "community_id", "building_id", "name", "created_at", "updated_at"}, len(ds.units),
				func(i int) []any { x := ds.units[i]; return []any{x.id, x.comm, x.building, x.name, now, now} }},
			{"houses", []string{"id", "community_id", "building_id", "unit_id", "number", "code", "floor", "gross_area",
				"inner_area", "house_use", "status", "delivered_on", "notes", "created_at", "updated_at"}, len(ds.houses),
				func(i int) []any {
					x := ds.houses[i]
					return []any{x.id, x.comm, x.building, x.unit, x.number, archive.HouseCode(x.bname, x.uname, x.number),
						x.floor, x.gross, x.inner, x.use, x.status, x.delivered, "", now, now}
				}},
			{"owners", []string{"id", "community_id", "name", "name_key", "name_py", "name_initials", "phone", "phone_tail",
				"id_type", "id_number", "category", "created_at", "updated_at"}, len(ds.owners),
				func(i int) []any {
					x := ds.owners[i]
					return []any{x.id, x.comm, x.name, x.key, x.py, x.ini, x.phone, archive.PhoneTail(x.phone), "身份证",
						x.idNumber, x.category, now, now}
				}},
			{"house_owners", []string{"id", "community_id", "house_id", "owner_id", "share", "since", "active", "created_at",
				"updated_at"}, len(ds.links),
				func(i int) []any {
					x := ds.links[i]
					return []any{x.id, x.comm, x.house, x.owner, x.share, "2020-01-01", true, now, now}
				}},
			{"residents", []string{"id", "community_id", "house_id", "name", "name_key", "name_py", "name_initials", "phone",
				"phone_tail", "kind", "relation", "created_at", "updated_at"}, len(ds.residents),
				func(i int) []any {
					x := ds.residents[i]
					return []any{x.id, x.comm, x.house, x.name, x.key, x.py, x.ini, x.phone, archive.PhoneTail(x.phone), x.kind,
						x.relation, now, now}
				}},
			{"vehicles", []string{"id", "community_id", "house_id", "plate", "plate_tail", "color", "brand", "owner_name",
				"created_at", "updated_at"}, len(ds.vehicles),
				func(i int) []any {
					x := ds.vehicles[i]
					return []any{x.id, x.comm, x.house, x.plate, x.tail, x.color, x.brand, x.who, now, now}
				}},
		}
		for _, t := range tables {
			if err := insertRows(ctx, tx, d.Dialect, t.name, t.cols, t.rows, batch, t.row); err != nil {
				return err
			}
		}
		return nil
	})
}

func insertRows(ctx context.Context, tx *sql.Tx, dialect db.Dialect, table string, cols []string, n, batch int, row func(int) []any) error {
	stmtFor := func(rows int) string {
		var s strings.Builder
		fmt.Fprintf(&s, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
		p := 0
		for r := range rows {
			if r > 0 {
				s.WriteByte(',')
			}
			s.WriteByte('(')
			for c := range cols {
				if c > 0 {
					s.WriteByte(',')
				}
				p++
				if dialect == db.SQLite && rows > 1 {
					s.WriteByte('?') // numbered parameters are slow in huge SQLite statements
				} else {
					fmt.Fprintf(&s, "$%d", p)
				}
			}
			s.WriteByte(')')
		}
		return s.String()
	}
	full, err := tx.PrepareContext(ctx, stmtFor(batch))
	if err != nil {
		return fmt.Errorf("prepare %s: %w", table, err)
	}
	defer full.Close()
	args := make([]any, 0, batch*len(cols))
	for i := 0; i < n; i++ {
		args = append(args, row(i)...)
		if len(args) == batch*len(cols) {
			if _, err := full.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("insert %s: %w", table, err)
			}
			args = args[:0]
		}
	}
	if len(args) > 0 {
		if _, err := tx.ExecContext(ctx, stmtFor(len(args)/len(cols)), args...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
	}
	return nil
}

// count is a table's row count.
func count(b *testing.B, d *db.DB, table string) int {
	var n int
	if err := d.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}
