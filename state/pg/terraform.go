package pg

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TerraformDefaultSchema is the schema Terraform's and OpenTofu's pg
// backend keep their states in when schema_name is not set.
const TerraformDefaultSchema = "terraform_remote_state"

// ReadTerraformState reads the state Terraform's pg backend stores for
// workspace name (table states in schema), for indigo to take over; found
// is false when there is no such table or row. It only reads.
func ReadTerraformState(ctx context.Context, connString, schema, name string) (data []byte, found bool, err error) {
	if schema == "" {
		schema = TerraformDefaultSchema
	}
	c, err := pgx.Connect(ctx, connString)
	if err != nil {
		return nil, false, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	q := `SELECT data FROM ` + pgx.Identifier{schema, "states"}.Sanitize() + ` WHERE name = $1`
	var text string
	err = c.QueryRow(ctx, q, name).Scan(&text)
	var pe *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, false, nil
	case errors.As(err, &pe) && (pe.Code == "42P01" || pe.Code == "3F000"): // no such table, no such schema
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("reading Terraform's state %q in schema %s: %w", name, schema, err)
	}
	return []byte(text), true, nil
}
