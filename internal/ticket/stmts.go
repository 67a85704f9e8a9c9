package ticket

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"wuye/internal/platform/db"
)

// Two caches keep the hot paths (registering a ticket, each step) from
// repeating work that does not change between calls; bench/RESULTS.md
// has the measurements.

// stmtCache holds prepared statements by their SQL text. On SQLite the
// driver parses every statement it is given as text, which was a third
// of the time of registering a ticket; a statement prepared once is
// reused on every connection it has been prepared on. PostgreSQL's
// driver (pgx) already caches prepared statements per connection, so
// there the cache stands aside.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxStmts bounds the cache; only fixed SQL texts go through it.
const maxStmts = 64

// cachedTx runs a transaction's statements through the cache.
type cachedTx struct {
	tx *sql.Tx
	d  *db.DB
	c  *stmtCache
}

// q returns tx as a Querier that uses prepared statements on SQLite.
func (s *Service) q(tx *sql.Tx) db.Querier {
	if s.DB.Dialect != db.SQLite {
		return tx
	}
	return cachedTx{tx: tx, d: s.DB, c: &s.stmts}
}

func (c *stmtCache) get(ctx context.Context, d *db.DB, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxStmts {
		return nil
	}
	st, err := d.PrepareContext(ctx, query)
	if err != nil {
		return nil // the plain call reports the error
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st
}

func (c cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.c.get(ctx, c.d, query); st != nil {
		return c.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return c.tx.ExecContext(ctx, query, args...)
}

func (c cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.c.get(ctx, c.d, query); st != nil {
		return c.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return c.tx.QueryContext(ctx, query, args...)
}

func (c cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.c.get(ctx, c.d, query); st != nil {
		return c.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return c.tx.QueryRowContext(ctx, query, args...)
}

// policyTTL is how long the SLA policies read from the database are
// trusted. A change made through this Service clears them at once;
// another app server's Service sees it within policyTTL, as with the
// working-day calendar: a ticket registered there in that minute gets
// the old deadlines. Policies change a few times a year.
const policyTTL = time.Minute

type policyCache struct {
	mu     sync.Mutex
	stored map[[2]string]Policy // rows of sla_policies
	loaded time.Time
	gen    uint64
}

// cachedPolicy returns the policy in effect for (kind, urgency), from
// the cache when it is fresh.
func (s *Service) cachedPolicy(ctx context.Context, kind, urgency string) (Policy, error) {
	c := &s.policies
	c.mu.Lock()
	stored, fresh, gen := c.stored, stored(c) && time.Since(c.loaded) < policyTTL, c.gen
	c.mu.Unlock()
	if !fresh {
		rows, err := s.DB.QueryContext(ctx, `SELECT kind, urgency, respond_minutes, respond_workdays, resolve_minutes,
			resolve_workdays, updated_at FROM sla_policies`)
		if err != nil {
			return Policy{}, err
		}
		stored = map[[2]string]Policy{}
		for rows.Next() {
			var p Policy
			if err := rows.Scan(&p.Kind, &p.Urgency, &p.RespondWithin.Minutes, &p.RespondWithin.Workdays,
				&p.ResolveWithin.Minutes, &p.ResolveWithin.Workdays, &p.UpdatedAt); err != nil {
				rows.Close()
				return Policy{}, err
			}
			stored[[2]string{p.Kind, p.Urgency}] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return Policy{}, err
		}
		c.mu.Lock()
		if c.gen == gen { // not cleared while loading
			c.stored, c.loaded = stored, time.Now()
		}
		c.mu.Unlock()
	}
	if p, ok := stored[[2]string{kind, urgency}]; ok {
		return p, nil
	}
	return defaultPolicy(kind, urgency)
}

func stored(c *policyCache) bool { return c.stored != nil }

// clearPolicies drops the cached policies; the next ticket reloads them.
func (s *Service) clearPolicies() {
	s.policies.mu.Lock()
	s.policies.stored = nil
	s.policies.gen++
	s.policies.mu.Unlock()
}
