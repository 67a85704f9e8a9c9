package archive

import (
	"context"
	"database/sql"
	"fmt"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

func houseFor(ctx context.Context, q db.Querier, by *auth.User, id int64) (*House, error) {
	h, err := getHouse(ctx, q, id)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return nil, errs.Invalid("house_id", "房屋不存在")
	}
	if err != nil {
		return nil, err
	}
	return h, see(by, h.CommunityID)
}

func getResident(ctx context.Context, q db.Querier, id int64) (*Resident, error) {
	r, err := scanResident(q.QueryRowContext(ctx, `SELECT `+residentCols+` FROM residents r JOIN houses h ON h.id = r.house_id WHERE r.id = $1`, id))
	return r, notFound(err, "住户")
}

// Resident returns one resident.
func (s *Service) Resident(ctx context.Context, by *auth.User, id int64) (*Resident, error) {
	r, err := getResident(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return r, see(by, r.CommunityID)
}

// Residents lists residents in scope.
func (s *Service) Residents(ctx context.Context, by *auth.User, f PeopleFilter) ([]*Resident, int, error) {
	if f.CommunityID > 0 {
		if err := see(by, f.CommunityID); err != nil {
			return nil, 0, err
		}
	}
	return listResidents(ctx, s.DB, Scope(by), f)
}

// ResidentInputOf returns the editable fields of r.
func ResidentInputOf(r *Resident) ResidentInput {
	return ResidentInput{HouseID: r.HouseID, Name: r.Name, Phone: r.Phone, IDNumber: r.IDNumber, Kind: r.Kind,
		Relation: r.Relation, LeaseStart: r.LeaseStart, LeaseEnd: r.LeaseEnd, MovedOut: r.MovedOut, Notes: r.Notes}
}

// SaveResident creates (id 0) or updates a resident.
func (s *Service) SaveResident(ctx context.Context, by *auth.User, id int64, in ResidentInput) (*Resident, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var r *Resident
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		h, err := houseFor(ctx, tx, by, in.HouseID)
		if err != nil {
			return err
		}
		key, py, ini := NameKeys(in.Name)
		now := s.Now()
		var before *Resident
		if id == 0 {
			err = tx.QueryRowContext(ctx, `INSERT INTO residents (community_id, house_id, name, name_key, name_py, name_initials,
				phone, phone_tail, id_number, kind, relation, lease_start, lease_end, moved_out, notes, created_at, updated_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$16) RETURNING id`,
				h.CommunityID, h.ID, in.Name, key, py, ini, in.Phone, PhoneTail(in.Phone), in.IDNumber, in.Kind, in.Relation,
				in.LeaseStart, in.LeaseEnd, in.MovedOut, in.Notes, now).Scan(&id)
			if err != nil {
				return fmt.Errorf("insert resident: %w", err)
			}
		} else {
			if before, err = getResident(ctx, tx, id); err != nil {
				return err
			}
			if err := see(by, before.CommunityID); err != nil {
				return err
			}
			if before.CommunityID != h.CommunityID {
				return errs.Invalid("house_id", "不能把住户移到其他小区")
			}
			if _, err := tx.ExecContext(ctx, `UPDATE residents SET house_id=$1, name=$2, name_key=$3, name_py=$4, name_initials=$5,
				phone=$6, phone_tail=$7, id_number=$8, kind=$9, relation=$10, lease_start=$11, lease_end=$12, moved_out=$13,
				notes=$14, updated_at=$15 WHERE id=$16`, h.ID, in.Name, key, py, ini, in.Phone, PhoneTail(in.Phone), in.IDNumber,
				in.Kind, in.Relation, in.LeaseStart, in.LeaseEnd, in.MovedOut, in.Notes, now, id); err != nil {
				return fmt.Errorf("update resident: %w", err)
			}
		}
		if r, err = getResident(ctx, tx, id); err != nil {
			return err
		}
		action := audit.ActionUpdate
		if before == nil {
			action = audit.ActionCreate
		}
		return s.record(ctx, tx, by, r.CommunityID, "resident", id, action, before, r)
	})
	return r, err
}

func getVehicle(ctx context.Context, q db.Querier, id int64) (*Vehicle, error) {
	v, err := scanVehicle(q.QueryRowContext(ctx, `SELECT `+vehicleCols+` FROM vehicles v JOIN houses h ON h.id = v.house_id WHERE v.id = $1`, id))
	return v, notFound(err, "车辆")
}

// Vehicle returns one vehicle.
func (s *Service) Vehicle(ctx context.Context, by *auth.User, id int64) (*Vehicle, error) {
	v, err := getVehicle(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return v, see(by, v.CommunityID)
}

// Vehicles lists vehicles in scope.
func (s *Service) Vehicles(ctx context.Context, by *auth.User, f PeopleFilter) ([]*Vehicle, int, error) {
	if f.CommunityID > 0 {
		if err := see(by, f.CommunityID); err != nil {
			return nil, 0, err
		}
	}
	return listVehicles(ctx, s.DB, Scope(by), f)
}

// VehicleInputOf returns the editable fields of v.
func VehicleInputOf(v *Vehicle) VehicleInput {
	return VehicleInput{HouseID: v.HouseID, Plate: v.Plate, Color: v.Color, Brand: v.Brand, ParkingSpace: v.ParkingSpace,
		OwnerName: v.OwnerName, Phone: v.Phone, Removed: v.Removed, Notes: v.Notes}
}

// SaveVehicle creates (id 0) or updates a vehicle. A plate is unique in
// its community.
func (s *Service) SaveVehicle(ctx context.Context, by *auth.User, id int64, in VehicleInput) (*Vehicle, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var v *Vehicle
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		h, err := houseFor(ctx, tx, by, in.HouseID)
		if err != nil {
			return err
		}
		now := s.Now()
		var before *Vehicle
		if id == 0 {
			err = tx.QueryRowContext(ctx, `INSERT INTO vehicles (community_id, house_id, plate, plate_tail, color, brand, parking_space,
				owner_name, phone, removed, notes, created_at, updated_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12) RETURNING id`,
				h.CommunityID, h.ID, in.Plate, PlateTail(in.Plate), in.Color, in.Brand, in.ParkingSpace, in.OwnerName, in.Phone,
				in.Removed, in.Notes, now).Scan(&id)
		} else {
			if before, err = getVehicle(ctx, tx, id); err != nil {
				return err
			}
			if err := see(by, before.CommunityID); err != nil {
				return err
			}
			if before.CommunityID != h.CommunityID {
				return errs.Invalid("house_id", "不能把车辆移到其他小区")
			}
			_, err = tx.ExecContext(ctx, `UPDATE vehicles SET house_id=$1, plate=$2, plate_tail=$3, color=$4, brand=$5,
				parking_space=$6, owner_name=$7, phone=$8, removed=$9, notes=$10, updated_at=$11 WHERE id=$12`,
				h.ID, in.Plate, PlateTail(in.Plate), in.Color, in.Brand, in.ParkingSpace, in.OwnerName, in.Phone, in.Removed,
				in.Notes, now, id)
		}
		if db.IsUniqueViolation(err) {
			return errs.Conflict("plate", "本小区已登记车牌 %s", in.Plate)
		}
		if err != nil {
			return fmt.Errorf("save vehicle: %w", err)
		}
		if v, err = getVehicle(ctx, tx, id); err != nil {
			return err
		}
		action := audit.ActionUpdate
		if before == nil {
			action = audit.ActionCreate
		}
		return s.record(ctx, tx, by, v.CommunityID, "vehicle", id, action, before, v)
	})
	return v, err
}
