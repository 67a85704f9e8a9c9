package archive

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// batch writes rows with multi-row INSERT statements: one statement per
// few hundred rows instead of one per row is what keeps an import of
// 100k houses within a small factor of raw inserts (bench/RESULTS.md).
type batch struct {
	ctx       context.Context
	tx        *sql.Tx
	anon      bool   // "?" placeholders (SQLite), else "$n"
	head      string // INSERT INTO t (cols) VALUES
	returning string
	cols, per int
	args      []any
	full      *sql.Stmt
	onRow     func(scanner) error
}

func newBatch(ctx context.Context, tx *sql.Tx, d db.Dialect, table string, cols []string, returning string, onRow func(scanner) error) *batch {
	return &batch{ctx: ctx, tx: tx, anon: d == db.SQLite, head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		returning: returning, cols: len(cols), per: min(500, 30000/len(cols)), onRow: onRow}
}

func (b *batch) sql(rows int) string {
	var s strings.Builder
	s.WriteString(b.head)
	n := 0
	for r := range rows {
		if r > 0 {
			s.WriteByte(',')
		}
		s.WriteByte('(')
		for c := range b.cols {
			if c > 0 {
				s.WriteByte(',')
			}
			n++
			if b.anon {
				// SQLite looks numbered parameters up in a list, which is
				// quadratic in a statement of thousands of them; anonymous
				// ones bind by position.
				s.WriteByte('?')
			} else {
				fmt.Fprintf(&s, "$%d", n)
			}
		}
		s.WriteByte(')')
	}
	if b.returning != "" {
		s.WriteString(" RETURNING " + b.returning)
	}
	return s.String()
}

func (b *batch) add(vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) == b.per*b.cols {
		return b.flush()
	}
	return nil
}

func (b *batch) flush() error {
	rows := len(b.args) / b.cols
	if rows == 0 {
		return nil
	}
	args := b.args
	b.args = b.args[:0]
	if rows == b.per && b.full == nil {
		st, err := b.tx.PrepareContext(b.ctx, b.sql(rows))
		if err != nil {
			return fmt.Errorf("prepare %s: %w", b.head, err)
		}
		b.full = st
	}
	if b.onRow == nil {
		var err error
		if rows == b.per {
			_, err = b.full.ExecContext(b.ctx, args...)
		} else {
			_, err = b.tx.ExecContext(b.ctx, b.sql(rows), args...)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", b.head, err)
		}
		return nil
	}
	var rs *sql.Rows
	var err error
	if rows == b.per {
		rs, err = b.full.QueryContext(b.ctx, args...)
	} else {
		rs, err = b.tx.QueryContext(b.ctx, b.sql(rows), args...)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", b.head, err)
	}
	defer rs.Close()
	for rs.Next() {
		if err := b.onRow(rs); err != nil {
			return err
		}
	}
	return rs.Err()
}

func (b *batch) close() error {
	err := b.flush()
	if b.full != nil {
		b.full.Close()
	}
	return err
}

// auditLog collects the import's audit entries and writes them in
// batches: the same rows audit.Record writes, with action "import".
type auditLog struct {
	b           *batch
	actor       audit.Actor
	communityID int64
	at          any
}

func (a *auditLog) add(entity string, id int64, before, after any) error {
	enc := func(v any) (string, error) {
		if v == nil {
			return "", nil
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	bj, err := enc(before)
	if err != nil {
		return err
	}
	aj, err := enc(after)
	if err != nil {
		return err
	}
	return a.b.add(a.at, a.actor.ID, a.actor.Name, a.communityID, entity, id, audit.ActionImport, bj, aj)
}

// applyImport writes a plan inside the import's transaction.
func (s *Service) applyImport(ctx context.Context, tx *sql.Tx, by *auth.User, communityID int64, p *importPlan) error {
	now := s.Now()
	log := &auditLog{actor: by.Actor(), communityID: communityID, at: audit.Now(),
		b: newBatch(ctx, tx, s.DB.Dialect, "audit_log", []string{"at", "user_id", "user_name", "community_id", "entity", "entity_id",
			"action", "before_json", "after_json"}, "", nil)}
	st := p.st

	// Buildings and units: few, one statement each.
	for _, name := range p.newBuildings {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO buildings (community_id, name, floors, notes, created_at, updated_at)
			VALUES ($1,$2,0,'',$3,$3) RETURNING id`, communityID, name, now).Scan(&id); err != nil {
			return fmt.Errorf("import building: %w", err)
		}
		st.buildings[name] = id
		if err := log.add("building", id, nil, map[string]string{"name": name}); err != nil {
			return err
		}
	}
	newUnits := map[unitPlan]int64{}
	for _, u := range p.newUnits {
		var id int64
		bid := st.buildings[u.building]
		if err := tx.QueryRowContext(ctx, `INSERT INTO units (community_id, building_id, name, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$4) RETURNING id`, communityID, bid, u.name, now).Scan(&id); err != nil {
			return fmt.Errorf("import unit: %w", err)
		}
		newUnits[u] = id
		if err := log.add("unit", id, nil, map[string]string{"name": u.name}); err != nil {
			return err
		}
	}

	// Owners.
	created := map[string]*ownerPlan{}
	ownerIns := newBatch(ctx, tx, s.DB.Dialect, "owners", []string{"community_id", "name", "name_key", "name_py", "name_initials", "phone",
		"phone_tail", "phone2", "phone2_tail", "id_type", "id_number", "category", "notes", "created_at", "updated_at"},
		"id, name, phone, id_number", func(r scanner) error {
			var id int64
			var name, phone, idNumber string
			if err := r.Scan(&id, &name, &phone, &idNumber); err != nil {
				return err
			}
			op := created[newOwnerKey(name, phone, idNumber)]
			if op == nil {
				return fmt.Errorf("import: inserted owner %d not in the plan", id)
			}
			op.want.id = id
			return nil
		})
	ownerUpd, err := tx.PrepareContext(ctx, `UPDATE owners SET name=$1, name_key=$2, name_py=$3, name_initials=$4, phone=$5,
		phone_tail=$6, id_type=$7, id_number=$8, category=$9, updated_at=$10 WHERE id=$11`)
	if err != nil {
		return err
	}
	defer ownerUpd.Close()
	for _, op := range p.owners {
		w := &op.want
		key, py, ini := NameKeys(w.name)
		switch {
		case op.cur == nil:
			created[newOwnerKey(w.name, w.phone, w.idNumber)] = op
			if err := ownerIns.add(communityID, w.name, key, py, ini, w.phone, PhoneTail(w.phone), "", "", w.idType,
				w.idNumber, w.category, "", now, now); err != nil {
				return err
			}
		case op.changed:
			if _, err := ownerUpd.ExecContext(ctx, w.name, key, py, ini, w.phone, PhoneTail(w.phone), w.idType, w.idNumber,
				w.category, now, w.id); err != nil {
				return fmt.Errorf("import owner %d: %w", w.id, err)
			}
			if err := log.add("owner", w.id, snapOwner(op.cur), snapOwner(w)); err != nil {
				return err
			}
		}
	}
	if err := ownerIns.close(); err != nil {
		return err
	}
	for _, op := range p.owners {
		if op.cur == nil {
			if err := log.add("owner", op.want.id, nil, snapOwner(&op.want)); err != nil {
				return err
			}
		}
	}

	// Houses.
	placed := map[houseAt]*housePlan{}
	houseIns := newBatch(ctx, tx, s.DB.Dialect, "houses", []string{"community_id", "building_id", "unit_id", "number", "code", "floor",
		"gross_area", "inner_area", "house_use", "status", "delivered_on", "notes", "created_at", "updated_at"},
		"id, unit_id, number", func(r scanner) error {
			var at houseAt
			var id int64
			if err := r.Scan(&id, &at.unitID, &at.number); err != nil {
				return err
			}
			hp := placed[at]
			if hp == nil {
				return fmt.Errorf("import: inserted house %d not in the plan", id)
			}
			hp.want.id = id
			return nil
		})
	houseUpd, err := tx.PrepareContext(ctx, `UPDATE houses SET floor=$1, gross_area=$2, inner_area=$3, house_use=$4, status=$5,
		delivered_on=$6, notes=$7, updated_at=$8 WHERE id=$9`)
	if err != nil {
		return err
	}
	defer houseUpd.Close()
	for _, hp := range p.houses {
		w := &hp.want
		if hp.cur != nil {
			if hp.fields {
				if _, err := houseUpd.ExecContext(ctx, w.floor, w.gross, w.inner, w.use, w.status, w.deliv, w.nts, now, w.id); err != nil {
					return fmt.Errorf("import house %s: %w", w.code, err)
				}
			}
			continue
		}
		if hp.unitID == 0 {
			hp.unitID = newUnits[unitPlan{hp.fh.key.building, hp.fh.key.unit}]
		}
		w.unitID = hp.unitID
		placed[houseAt{w.unitID, w.number}] = hp
		if err := houseIns.add(communityID, st.buildings[hp.fh.key.building], w.unitID, w.number, w.code, w.floor, w.gross,
			w.inner, w.use, w.status, w.deliv, w.nts, now, now); err != nil {
			return err
		}
	}
	if err := houseIns.close(); err != nil {
		return err
	}

	// Ownership: links that stay keep their row (a share may change), the
	// ones that go are ended like a correction, new ones start today.
	linkIns := newBatch(ctx, tx, s.DB.Dialect, "house_owners", []string{"community_id", "house_id", "owner_id", "share", "since", "active",
		"created_at", "updated_at"}, "", nil)
	linkEnd, err := tx.PrepareContext(ctx, `UPDATE house_owners SET active=FALSE, until=$1, end_reason=$2, updated_at=$3 WHERE id=$4`)
	if err != nil {
		return err
	}
	defer linkEnd.Close()
	linkShare, err := tx.PrepareContext(ctx, `UPDATE house_owners SET share=$1, updated_at=$2 WHERE id=$3`)
	if err != nil {
		return err
	}
	defer linkShare.Close()
	since := today()
	for _, hp := range p.houses {
		w := &hp.want
		if hp.linksChanged {
			cur := map[int64]dbLink{}
			for _, l := range w.links {
				cur[l.ownerID] = l
			}
			for _, l := range hp.links {
				oid := l.owner.want.id
				if c, ok := cur[oid]; ok {
					delete(cur, oid)
					if c.share != l.share {
						if _, err := linkShare.ExecContext(ctx, l.share, now, c.id); err != nil {
							return fmt.Errorf("import share: %w", err)
						}
					}
					continue
				}
				if err := linkIns.add(communityID, w.id, oid, l.share, since, true, now, now); err != nil {
					return err
				}
			}
			for _, c := range w.links {
				if _, gone := cur[c.ownerID]; gone {
					if _, err := linkEnd.ExecContext(ctx, since, "导入更新业主", now, c.id); err != nil {
						return fmt.Errorf("import end link: %w", err)
					}
				}
			}
		}
		if hp.cur != nil && !hp.fields && !hp.linksChanged {
			continue
		}
		after := snapHouse(w, wantNames(hp))
		if hp.cur == nil {
			err = log.add("house", w.id, nil, after)
		} else {
			if !hp.linksChanged {
				after.Owners = ownerNames(st.owners, hp.cur.links)
			}
			err = log.add("house", w.id, snapHouse(hp.cur, ownerNames(st.owners, hp.cur.links)), after)
		}
		if err != nil {
			return err
		}
	}
	if err := linkIns.close(); err != nil {
		return err
	}
	return log.b.close()
}

func newOwnerKey(name, phone, idNumber string) string {
	if idNumber != "" {
		return "id:" + idNumber
	}
	return "np:" + npKey(name, phone)
}

// wantNames lists the owners a house will have, as ownerNames does.
func wantNames(hp *housePlan) []string {
	out := make([]string, 0, len(hp.links))
	for _, l := range hp.links {
		out = append(out, fmt.Sprintf("%s(%s%%)", l.owner.want.name, plainArea(l.share)))
	}
	slices.Sort(out)
	return out
}
