package db

import (
	"fmt"
	"strings"
)

// Where builds a WHERE clause with numbered placeholders, so list
// filters compose without counting $n by hand:
//
//	var w db.Where
//	w.Add("h.status = ?", status)
//	w.Scope("h.community_id", ids)
//	rows, err := q.QueryContext(ctx, "SELECT … FROM houses h"+w.SQL()+w.Page(50, 0), w.Args...)
type Where struct {
	Parts []string
	Args  []any
}

// Add appends a condition; each ? in expr takes the next value.
func (w *Where) Add(expr string, v ...any) {
	for _, a := range v {
		w.Args = append(w.Args, a)
		expr = strings.Replace(expr, "?", fmt.Sprintf("$%d", len(w.Args)), 1)
	}
	w.Parts = append(w.Parts, expr)
}

// Scope limits col to the given communities: nil means every community,
// an empty list none.
func (w *Where) Scope(col string, ids []int64) {
	if ids == nil {
		return
	}
	if len(ids) == 0 {
		w.Parts = append(w.Parts, "1=0")
		return
	}
	var in string
	in, w.Args = In(w.Args, ids)
	w.Parts = append(w.Parts, col+" IN ("+in+")")
}

// SQL is " WHERE a AND b", or "" without conditions.
func (w *Where) SQL() string {
	if len(w.Parts) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.Parts, " AND ")
}

// Page appends LIMIT/OFFSET placeholders and their values; a limit of
// 0 or less is the API's default page of 50.
func (w *Where) Page(limit, offset int) string {
	if limit <= 0 {
		limit = 50
	}
	w.Args = append(w.Args, limit, offset)
	return fmt.Sprintf(" LIMIT $%d OFFSET $%d", len(w.Args)-1, len(w.Args))
}

// Like is a LIKE pattern matching s anywhere, with \, % and _ escaped so
// that a search for "%" finds a percent sign, not every row; use it with
// ESCAPE '\' (PostgreSQL escapes with \ by default, SQLite only when told).
func Like(s string) string { return "%" + LikeEscape(s) + "%" }

// LikeEscape escapes s for a LIKE pattern (ESCAPE '\'): LikeEscape(q)+"%"
// is a prefix search.
func LikeEscape(s string) string { return likeEscaper.Replace(s) }

var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)
