package faults

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// TerminateSessions ends every other session connected to the database
// that connStr names (pg_terminate_backend), as a database failover or an
// administrator does; it returns how many it ended.
func TerminateSessions(ctx context.Context, connStr string) (int, error) {
	c, err := pgx.Connect(ctx, connStr)
	if err != nil {
		return 0, fmt.Errorf("connecting to terminate sessions: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	var n int
	err = c.QueryRow(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()) t`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("terminating sessions: %w", err)
	}
	return n, nil
}
