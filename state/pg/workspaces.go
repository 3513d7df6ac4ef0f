package pg

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Workspaces lists the names of the workspaces the database holds (those
// a backend was ever opened for), sorted.
func (b *Backend) Workspaces(ctx context.Context) ([]string, error) {
	var names []string
	err := b.withConn(ctx, func(ctx context.Context, c *pgx.Conn) error {
		rows, err := c.Query(ctx, b.sql(`SELECT name FROM {indigo_workspaces} ORDER BY name`))
		if err != nil {
			return err
		}
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing the workspaces in PostgreSQL: %w", err)
	}
	return names, nil
}

// DeleteWorkspace removes this backend's workspace: its snapshot, backup,
// journal, lock record and name, in one transaction. The backend must not
// be used afterwards.
func (b *Backend) DeleteWorkspace(ctx context.Context) error {
	err := b.withConn(ctx, func(ctx context.Context, c *pgx.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		for _, t := range []string{"indigo_journal", "indigo_journal_heads", "indigo_snapshots", "indigo_locks"} {
			if _, err := tx.Exec(ctx, b.sql(`DELETE FROM {`+t+`} WHERE workspace = $1`), b.wsID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, b.sql(`DELETE FROM {indigo_workspaces} WHERE id = $1`), b.wsID); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return fmt.Errorf("deleting %s: %w", b.where, err)
	}
	return nil
}
