package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

const userCols = `id, login, name, role, department, phone, email, disabled, locked_at, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }, u *User) error {
	return row.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.Department, &u.Phone, &u.Email, &u.Disabled, &u.LockedAt, &u.CreatedAt, &u.UpdatedAt)
}

func getUser(ctx context.Context, q db.Querier, where string, arg any) (*User, string, error) {
	var u User
	var hash string
	row := q.QueryRowContext(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE `+where, arg)
	err := row.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.Department, &u.Phone, &u.Email, &u.Disabled, &u.LockedAt, &u.CreatedAt, &u.UpdatedAt, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", errs.NotFound("用户不存在")
	}
	if err != nil {
		return nil, "", fmt.Errorf("get user: %w", err)
	}
	if err := loadCommunities(ctx, q, []*User{&u}); err != nil {
		return nil, "", err
	}
	return &u, hash, nil
}

func loadCommunities(ctx context.Context, q db.Querier, users []*User) error {
	if len(users) == 0 {
		return nil
	}
	byID := map[int64]*User{}
	ids := make([]int64, len(users))
	for i, u := range users {
		byID[u.ID] = u
		ids[i] = u.ID
		u.Communities = []int64{}
	}
	in, args := db.In(nil, ids)
	rows, err := q.QueryContext(ctx, `SELECT user_id, community_id FROM user_communities
		WHERE user_id IN (`+in+`) ORDER BY community_id`, args...)
	if err != nil {
		return fmt.Errorf("user communities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uid, cid int64
		if err := rows.Scan(&uid, &cid); err != nil {
			return err
		}
		byID[uid].Communities = append(byID[uid].Communities, cid)
	}
	return rows.Err()
}

func setCommunities(ctx context.Context, q db.Querier, userID int64, ids []int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM user_communities WHERE user_id = $1`, userID); err != nil {
		return err
	}
	for _, c := range ids {
		if _, err := q.ExecContext(ctx, `INSERT INTO user_communities (user_id, community_id) VALUES ($1,$2)`, userID, c); err != nil {
			return fmt.Errorf("set user community: %w", err)
		}
	}
	return nil
}

// ListFilter selects users for the admin page.
type ListFilter struct {
	Q    string
	Role Role
}

func listUsers(ctx context.Context, q db.Querier, f ListFilter) ([]*User, error) {
	var where []string
	var args []any
	if f.Q != "" {
		args = append(args, db.Like(strings.ToLower(f.Q)))
		where = append(where, fmt.Sprintf(`(lower(login) LIKE $%d ESCAPE '\' OR name LIKE $%d ESCAPE '\')`, len(args), len(args)))
	}
	if f.Role != "" {
		args = append(args, string(f.Role))
		where = append(where, fmt.Sprintf("role = $%d", len(args)))
	}
	sqlq := `SELECT ` + userCols + ` FROM users`
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := q.QueryContext(ctx, sqlq+" ORDER BY disabled, id", args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u := &User{}
		if err := scanUser(rows, u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, loadCommunities(ctx, q, out)
}

// session row lookups

// sessionSQL reads the session, its user and the user's communities (a
// row per community) in one query: every API request and page starts
// here. An ended session is read too, so that Authenticate can tell a
// timed-out session from an unknown token.
const sessionSQL = `SELECT u.id, u.login, u.name, u.role, u.department, u.phone, u.email, u.disabled, u.locked_at,
	u.created_at, u.updated_at, s.last_seen_at, s.expires_at, uc.community_id
	FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN user_communities uc ON uc.user_id = u.id
	WHERE s.token_hash = $1 AND s.kind = $2 ORDER BY uc.community_id`

// sessionUser runs sessionSQL, through st when it is prepared, and
// returns the user with the session's last request and end.
func sessionUser(ctx context.Context, st *sql.Stmt, q db.Querier, hash, kind string) (u *User, lastSeen, expires time.Time, err error) {
	var rows *sql.Rows
	if st != nil {
		rows, err = st.QueryContext(ctx, hash, kind)
	} else {
		rows, err = q.QueryContext(ctx, sessionSQL, hash, kind)
	}
	if err != nil {
		return nil, lastSeen, expires, fmt.Errorf("session: %w", err)
	}
	defer rows.Close()
	u = &User{Communities: []int64{}}
	found := false
	for rows.Next() {
		// The user's columns repeat on every row.
		var community sql.NullInt64
		if err := rows.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.Department, &u.Phone, &u.Email, &u.Disabled, &u.LockedAt,
			&u.CreatedAt, &u.UpdatedAt, &lastSeen, &expires, &community); err != nil {
			return nil, lastSeen, expires, fmt.Errorf("session: %w", err)
		}
		found = true
		if community.Valid {
			u.Communities = append(u.Communities, community.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, lastSeen, expires, fmt.Errorf("session: %w", err)
	}
	if !found {
		return nil, lastSeen, expires, errs.Unauthorized("请先登录")
	}
	return u, lastSeen, expires, nil
}
