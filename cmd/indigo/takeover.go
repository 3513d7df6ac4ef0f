package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
	"github.com/indigo-cloud/indigo/state/pg"
	"github.com/indigo-cloud/indigo/state/s3"
)

// Taking over a Terraform working directory. A directory Terraform or
// OpenTofu managed has their state: terraform.tfstate, or the object or
// row their backend keeps. indigo with no state of its own would plan to
// create everything a second time. So when indigo has no state and finds
// one of theirs with resources, init offers -migrate-state (import it) or
// -reconfigure (ignore it), and plan and apply refuse to run until the
// user has chosen. The choice is recorded in the backend record.

// terraformChoice is what the user chose about a Terraform state.
type terraformChoice struct {
	// Choice is "migrated" or "ignored".
	Choice  string `json:"choice"`
	Where   string `json:"where"`
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
}

// tfFound is a Terraform state found for the configuration.
type tfFound struct {
	where string
	state *state.State
	// inPlace is true when the state sits where indigo's own state goes
	// (the backend block came from a terraform block: the same file, the
	// same S3 key); moveAside then keeps it under another name before
	// indigo writes its own.
	inPlace   bool
	moveAside func(ctx context.Context) error
}

// terraformBackupSuffix names the copy of a Terraform state indigo's state
// replaced in place.
const terraformBackupSuffix = ".terraform-original"

// headSize is how much of a state findTerraformState reads to tell the
// formats apart: both put their version first.
const headSize = 512

// looksIndigo reports whether the start of a state document is indigo's
// (its first member is format_version), so that the whole document need
// not be read.
func looksIndigo(head []byte) bool {
	return bytes.Contains(head, []byte(`"format_version"`))
}

// isTerraformState reports whether data is a Terraform state document
// (it has "version" and no "format_version").
func isTerraformState(data []byte) bool {
	var probe struct {
		FormatVersion *json.RawMessage `json:"format_version"`
		Version       *int             `json:"version"`
	}
	return json.Unmarshal(data, &probe) == nil && probe.Version != nil && probe.FormatVersion == nil
}

// findTerraformState looks for a Terraform state of the selected
// workspace: where indigo's backend keeps its state (a Terraform-format
// file or object there), Terraform's local terraform.tfstate (or
// terraform.tfstate.d/NAME/) when the backend is local, or Terraform's pg
// table. nil when there is none, or it records no resource.
func (w *workspace) findTerraformState(ctx context.Context, c *backendConfig) (*tfFound, error) {
	decode := func(where string, data []byte) (*tfFound, error) {
		s, err := state.Import(where, data)
		if err != nil {
			return nil, err
		}
		if len(s.AllInstances()) == 0 {
			return nil, nil
		}
		return &tfFound{where: where, state: s}, nil
	}
	ws := c.workspace
	if ws == "" {
		ws = defaultWorkspace
	}
	switch c.Type {
	case "local":
		own := c.Settings["path"]
		if !filepath.IsAbs(own) {
			own = filepath.Join(w.dir, own)
		}
		own = localWorkspacePath(own, ws)
		if data, err := readUnlessIndigo(own); err == nil && isTerraformState(data) {
			f, err := decode(own, data)
			if f != nil {
				f.inPlace = true
				f.moveAside = func(context.Context) error { return os.Rename(own, own+terraformBackupSuffix) }
			}
			return f, err
		}
		tf := filepath.Join(w.dir, "terraform.tfstate")
		if ws != defaultWorkspace {
			tf = filepath.Join(w.dir, "terraform.tfstate.d", ws, "terraform.tfstate")
		}
		data, err := os.ReadFile(tf)
		if err == nil && encrypt.IsSealed(data) {
			// OpenTofu encrypted it: open it with the encryption block
			// (or TF_ENCRYPTION), or say that one is needed.
			if data, _, err = c.enc.Open(tf, data); err != nil {
				return nil, err
			}
		}
		if errors.Is(err, os.ErrNotExist) || (err == nil && !isTerraformState(data)) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return decode(tf, data)
	case "s3":
		b, err := openBackend(ctx, w.dir, c)
		if err != nil {
			return nil, err
		}
		sb := b.(*s3.Backend)
		head, found, err := sb.ReadHead(ctx, headSize)
		if err != nil || !found || looksIndigo(head) {
			return nil, err
		}
		data, found, err := sb.ReadRaw(ctx)
		if err != nil || !found || !isTerraformState(data) {
			return nil, err
		}
		f, err := decode(sb.Where(), data)
		if f != nil {
			f.inPlace = true
			f.moveAside = func(ctx context.Context) error { return sb.MoveAside(ctx, terraformBackupSuffix) }
		}
		return f, err
	case "pg":
		conn := c.secrets.connStr
		if conn == "" {
			conn = c.Settings["conn_str"]
		}
		schema := c.Settings["schema_name"]
		data, found, err := pg.ReadTerraformState(ctx, conn, schema, ws)
		if err != nil || !found {
			return nil, err
		}
		if schema == "" {
			schema = pg.TerraformDefaultSchema
		}
		return decode(fmt.Sprintf("Terraform's pg backend (schema %s, workspace %q)", schema, ws), data)
	}
	return nil, nil
}

// readUnlessIndigo reads the state file at path, unless its start shows
// it is indigo's (then it returns nothing).
func readUnlessIndigo(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, headSize)
	n, _ := io.ReadFull(f, head)
	if looksIndigo(head[:n]) {
		return nil, nil
	}
	rest, err := io.ReadAll(f)
	return append(head[:n], rest...), err
}

// indigoHasState reports whether indigo's backend holds a state.
func (w *workspace) indigoHasState(ctx context.Context, c *backendConfig) (bool, error) {
	b, err := openBackend(ctx, w.dir, c)
	if err != nil {
		return false, err
	}
	defer closeBackend(ctx, b)
	s, err := b.ReadSnapshot(ctx)
	if err != nil {
		return true, nil // damaged, not absent: the state manager says what to do
	}
	if s != nil {
		return true, nil
	}
	j, err := b.ReadJournal(ctx)
	return err != nil || (j != nil && len(j.Records) > 0), nil
}

// pendingTakeover returns the Terraform state plan and apply must not run
// beside: found, indigo has none of its own, and no choice is recorded.
func (w *workspace) pendingTakeover(ctx context.Context, c *backendConfig) (*tfFound, error) {
	rec, err := readRecord(w.dir)
	if err != nil {
		return nil, &exitError{code: 1, msg: fmt.Sprintf("looking for a Terraform state: %s", err)}
	}
	if rec != nil && rec.TerraformState != nil {
		// Chosen already: nothing to look for on every run.
		return nil, nil
	}
	f, err := w.findTerraformState(ctx, c)
	if err != nil || f == nil {
		return nil, err
	}
	if !f.inPlace {
		if has, err := w.indigoHasState(ctx, c); err != nil || has {
			return nil, err
		}
	}
	return f, nil
}

// pending is pendingTakeover for the configured backend.
func (w *workspace) pending(ctx context.Context) (*backendConfig, *tfFound, error) {
	c, err := w.backendConfig()
	if err != nil {
		return nil, nil, err
	}
	f, err := w.pendingTakeover(ctx, c)
	var exit *exitError
	if errors.As(err, &exit) {
		return nil, nil, err
	}
	if err != nil {
		// The backend (or the one the terraform block names) did not
		// answer: nothing was read or changed yet.
		return nil, nil, &exitError{code: 1, msg: fmt.Sprintf("looking for a Terraform state: %s\n%s", err, unreachedHint)}
	}
	return c, f, nil
}

func takeoverMessage(f *tfFound) string {
	msg := fmt.Sprintf("Found a Terraform state in %s (lineage %s, serial %d, %d resource instances), and indigo has no state of its own here: "+
		"planning now would create every one of them a second time. Choose first:\n"+
		"  indigo init -migrate-state   import it: indigo manages those objects from now on",
		f.where, f.state.Lineage, f.state.Serial, len(f.state.AllInstances()))
	if f.inPlace {
		msg += fmt.Sprintf(" (its original is kept beside it, with the suffix %s)", terraformBackupSuffix)
		msg += "\nIt is where the backend block tells indigo to keep its own state, so indigo cannot start beside it: to start empty instead, point the backend elsewhere (another path or key)."
	} else {
		msg += " (the Terraform state is left as it is)" +
			"\n  indigo init -reconfigure      start from an empty state and leave the Terraform state alone"
	}
	return msg
}

// checkTakeover refuses a plan or apply while a Terraform state waits for
// the user's choice.
func (w *workspace) checkTakeover(ctx context.Context) error {
	// A backend init has not set up (or that changed since) is for the
	// state manager to report first.
	c, err := w.backendConfig()
	if err != nil {
		return err
	}
	if rec, err := readBackendRecord(w.dir); err != nil || (rec == nil && c.Type != "local") || (rec != nil && !rec.sameAs(c)) {
		return nil
	}
	_, f, err := w.pending(ctx)
	if err != nil {
		return err
	}
	if f != nil {
		return &exitError{code: 1, msg: takeoverMessage(f)}
	}
	return nil
}

// initTakeover is init's part: with -migrate-state it imports a pending
// Terraform state, with -reconfigure it records that the user ignores it,
// and otherwise it says what the choice is.
func (a *app) initTakeover(ctx context.Context, w *workspace, opts initOptions) error {
	c, f, err := w.pending(ctx)
	if err != nil || f == nil {
		return err
	}
	choice := &terraformChoice{Where: f.where, Lineage: f.state.Lineage, Serial: f.state.Serial}
	switch {
	case opts.migrate:
		if f.inPlace {
			if err := f.moveAside(ctx); err != nil {
				return &exitError{code: 1, msg: fmt.Sprintf("keeping the Terraform state aside: %s", err)}
			}
		}
		b, err := openBackend(ctx, w.dir, c)
		if err != nil {
			return err
		}
		defer closeBackend(ctx, b)
		s := f.state
		if s.Serial == 0 {
			s.Serial = 1
		}
		if err := writeCopy(ctx, b, s); err != nil {
			return &exitError{code: 1, msg: fmt.Sprintf("writing the imported state to %s: %s", c, err)}
		}
		choice.Choice = "migrated"
		fmt.Fprintf(a.stdout, "Imported the Terraform state from %s into %s: lineage %s, serial %d, %d resource instances. indigo manages them from now on.\n",
			f.where, c, s.Lineage, s.Serial, len(s.AllInstances()))
		if f.inPlace {
			fmt.Fprintf(a.stdout, "The Terraform original is kept with the suffix %s.\n", terraformBackupSuffix)
		} else {
			fmt.Fprintf(a.stdout, "The Terraform state is left as it was; do not run Terraform against it any more, or both tools will manage the same objects.\n")
		}
	case opts.reconfigure && !f.inPlace:
		choice.Choice = "ignored"
		fmt.Fprintf(a.stdout, "Ignoring the Terraform state in %s (-reconfigure): indigo starts from an empty state.\n", f.where)
	default:
		fmt.Fprintf(a.stderr, "\nWarning: %s\n\nplan and apply refuse to run until you choose.\n", takeoverMessage(f))
		return nil
	}
	rec, err := readRecord(w.dir)
	if err != nil || rec == nil {
		return &exitError{code: 1, msg: fmt.Sprintf("recording the choice: the backend record is missing (%v)", err)}
	}
	rec.TerraformState = choice
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(backendRecordFile(w.dir), append(data, '\n')); err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("recording the choice: %s", err)}
	}
	return nil
}
