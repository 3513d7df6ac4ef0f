package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/pg"
	"github.com/indigo-cloud/indigo/state/s3"
)

// Workspaces: several states for one configuration, as Terraform's
// `workspace` commands manage them. The selected one is in the data
// directory's environment file, or TF_WORKSPACE (INDIGO_WORKSPACE); each
// backend keeps the states apart as Terraform does: local files under
// indigo.state.d/NAME/, rows named NAME in PostgreSQL, objects under
// env:/NAME/ in S3.

const defaultWorkspace = "default"

// workspaceNameRE is what a workspace name may be: it becomes a directory,
// an object key part and a row name.
var workspaceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,89}$`)

func checkWorkspaceName(name string) error {
	if !workspaceNameRE.MatchString(name) || strings.Contains(name, "..") {
		return fmt.Errorf("%q is not a valid workspace name: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
	}
	return nil
}

// workspaceOverride is the environment variable that selects the
// workspace, and its value; "" when none is set.
func workspaceOverride() (string, string) {
	for _, name := range []string{"INDIGO_WORKSPACE", "TF_WORKSPACE"} {
		if v := os.Getenv(name); v != "" {
			return name, v
		}
	}
	return "", ""
}

// currentWorkspace is the selected workspace of the working directory dir.
func currentWorkspace(dir string) (string, error) {
	if env, v := workspaceOverride(); v != "" {
		if err := checkWorkspaceName(v); err != nil {
			return "", fmt.Errorf("%s: %w", env, err)
		}
		return v, nil
	}
	data, err := os.ReadFile(filepath.Join(dataDir(dir), "environment"))
	if errors.Is(err, os.ErrNotExist) {
		return defaultWorkspace, nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the selected workspace: %w", err)
	}
	name := strings.TrimSpace(string(data))
	if name == "" {
		return defaultWorkspace, nil
	}
	if err := checkWorkspaceName(name); err != nil {
		return "", fmt.Errorf("%s: %w", filepath.Join(dataDir(dir), "environment"), err)
	}
	return name, nil
}

func selectWorkspace(dir, name string) error {
	path := filepath.Join(dataDir(dir), "environment")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(name+"\n"), 0o644)
}

// localWorkspacePath is the local state file of workspace ws, given the
// default workspace's path.
func localWorkspacePath(path, ws string) string {
	if ws == "" || ws == defaultWorkspace {
		return path
	}
	return filepath.Join(filepath.Dir(path), filepath.Base(path)+".d", ws, filepath.Base(path))
}

// pgWorkspace is the row name of the selected workspace: the backend
// block's workspace setting names the default one.
func pgWorkspace(c *backendConfig) string {
	if c.workspace == "" || c.workspace == defaultWorkspace {
		return c.Settings["workspace"]
	}
	return c.workspace
}

// s3Prefix is where the s3 backend keeps the other workspaces' states.
func s3Prefix(c *backendConfig) string {
	if p := c.Settings["workspace_key_prefix"]; p != "" {
		return strings.TrimSuffix(p, "/")
	}
	return "env:"
}

// s3WorkspaceKey is the selected workspace's state key.
func s3WorkspaceKey(c *backendConfig) string {
	if c.workspace == "" || c.workspace == defaultWorkspace {
		return c.Settings["key"]
	}
	return s3Prefix(c) + "/" + c.workspace + "/" + c.Settings["key"]
}

// workspaceNames lists the workspaces the backend holds, "default" first.
func workspaceNames(ctx context.Context, dir string, c *backendConfig) ([]string, error) {
	names := []string{defaultWorkspace}
	switch c.Type {
	case "local":
		path := c.Settings["path"]
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		entries, err := os.ReadDir(path + ".d")
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() && checkWorkspaceName(e.Name()) == nil {
				names = append(names, e.Name())
			}
		}
	case "pg":
		def := *c
		def.workspace = defaultWorkspace
		b, err := openBackend(ctx, dir, &def)
		if err != nil {
			return nil, err
		}
		defer closeBackend(ctx, b)
		got, err := b.(*pg.Backend).Workspaces(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range got {
			if n != c.Settings["workspace"] {
				names = append(names, n)
			}
		}
	case "s3":
		def := *c
		def.workspace = defaultWorkspace
		b, err := openBackend(ctx, dir, &def)
		if err != nil {
			return nil, err
		}
		got, err := b.(*s3.Backend).Workspaces(ctx, s3Prefix(c), c.Settings["key"])
		if err != nil {
			return nil, err
		}
		names = append(names, got...)
	}
	slices.Sort(names[1:])
	return slices.Compact(names), nil
}

// workspaceBackend loads the configuration and returns its backend
// settings, checked against what init recorded.
func (a *app) workspaceBackend() (*workspace, *backendConfig, error) {
	w, err := a.loadWorkspace(".")
	if err != nil {
		return nil, nil, err
	}
	c, err := w.backendConfig()
	if err != nil {
		return nil, nil, err
	}
	rec, err := readBackendRecord(w.dir)
	if err != nil {
		return nil, nil, &exitError{code: 1, msg: err.Error()}
	}
	if rec != nil && !rec.sameAs(c) {
		return nil, nil, &exitError{code: 1, msg: changedMessage(rec, c)}
	}
	if rec == nil && c.Type != "local" {
		return nil, nil, &exitError{code: 1, msg: fmt.Sprintf("Backend initialization required: run indigo init first (the configuration keeps the state in %s).", c)}
	}
	return w, c, nil
}

// workspaces returns the configuration, its backend and the workspaces it
// holds.
func (a *app) workspaces(ctx context.Context) (*workspace, *backendConfig, []string, error) {
	w, c, err := a.workspaceBackend()
	if err != nil {
		return nil, nil, nil, err
	}
	names, err := workspaceNames(ctx, w.dir, c)
	if err != nil {
		return nil, nil, nil, &exitError{code: 1, msg: fmt.Sprintf("listing the workspaces: %s", err)}
	}
	return w, c, names, nil
}

// reselect is workspaces for the commands that select another workspace
// (verb: new, select): name must be valid and no variable may decide the
// selection.
func (a *app) reselect(ctx context.Context, name, verb string) (*workspace, *backendConfig, []string, error) {
	if err := checkWorkspaceName(name); err != nil {
		return nil, nil, nil, &exitError{code: 1, msg: err.Error()}
	}
	if err := refuseOverride(verb); err != nil {
		return nil, nil, nil, err
	}
	return a.workspaces(ctx)
}

func (a *app) workspaceCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workspace",
		Short: "Manage workspaces: several states for one configuration",
		Long: `A workspace is one state of the configuration: the same configuration can manage a
staging and a production copy, each with its own state. Every backend keeps
them apart as Terraform does: the local backend in indigo.state.d/NAME/, pg in
rows named NAME, s3 under env:/NAME/ (workspace_key_prefix). The selected
workspace is recorded in .indigo/environment; TF_WORKSPACE overrides it.
In the configuration, terraform.workspace is its name.`,
		Example: `  indigo workspace new staging
  indigo workspace list
  indigo workspace select default
  TF_WORKSPACE=staging indigo plan`,
	}
	cmd.AddCommand(a.workspaceNewCommand(), a.workspaceSelectCommand(), a.workspaceListCommand(),
		a.workspaceShowCommand(), a.workspaceDeleteCommand())
	return cmd
}

func (a *app) workspaceListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the workspaces; the selected one has a *",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, c, names, err := a.workspaces(cmd.Context())
			if err != nil {
				return err
			}
			for _, n := range names {
				mark := "  "
				if n == c.workspace {
					mark = "* "
				}
				fmt.Fprintf(a.stdout, "%s%s\n", mark, n)
			}
			// A blank line under the list, as Terraform writes it.
			fmt.Fprintln(a.stdout)
			return nil
		},
	}
}

func (a *app) workspaceShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Print the selected workspace's name",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := currentWorkspace(".")
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			fmt.Fprintln(a.stdout, name)
			return nil
		},
	}
}

// refuseOverride stops a command that changes the selection while an
// environment variable decides it.
func refuseOverride(verb string) error {
	if env, v := workspaceOverride(); v != "" {
		return &exitError{code: 1, msg: fmt.Sprintf("the workspace is selected by %s=%s, so indigo workspace %s cannot select another: unset %s first", env, v, verb, env)}
	}
	return nil
}

func (a *app) workspaceSelectCommand() *cobra.Command {
	var orCreate bool
	cmd := &cobra.Command{
		Use:   "select NAME",
		Short: "Select a workspace",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			w, c, names, err := a.reselect(cmd.Context(), name, "select")
			if err != nil {
				return err
			}
			if !slices.Contains(names, name) {
				if !orCreate {
					return &exitError{code: 1, msg: fmt.Sprintf("workspace %q does not exist: create it with indigo workspace new %s (or select -or-create)", name, name)}
				}
				return a.createWorkspace(cmd.Context(), w, c, name, "")
			}
			if err := selectWorkspace(w.dir, name); err != nil {
				return &exitError{code: 1, msg: fmt.Sprintf("selecting the workspace: %s", err)}
			}
			fmt.Fprintf(a.stdout, "Switched to workspace %q.\n", name)
			return nil
		},
	}
	cmd.Flags().BoolVar(&orCreate, "or-create", false, "create the workspace when it does not exist")
	return cmd
}

func (a *app) workspaceNewCommand() *cobra.Command {
	var from string
	cmd := &cobra.Command{
		Use:   "new NAME",
		Short: "Create a workspace and select it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			w, c, names, err := a.reselect(cmd.Context(), name, "new")
			if err != nil {
				return err
			}
			if slices.Contains(names, name) {
				return &exitError{code: 1, msg: fmt.Sprintf("workspace %q already exists (indigo workspace select %s selects it)", name, name)}
			}
			return a.createWorkspace(cmd.Context(), w, c, name, from)
		},
	}
	cmd.Flags().StringVar(&from, "state", "", "copy this state file (indigo's or Terraform's) into the new workspace")
	return cmd
}

// createWorkspace creates workspace name with an empty state (or the one
// in the file from), and selects it.
func (a *app) createWorkspace(ctx context.Context, w *workspace, c *backendConfig, name, from string) error {
	s := state.New()
	if from != "" {
		data, err := os.ReadFile(from)
		if err != nil {
			return &exitError{code: 1, msg: fmt.Sprintf("reading -state: %s", err)}
		}
		if s, err = state.Import(from, data); err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
	}
	nc := *c
	nc.workspace = name
	if c.Type == "local" {
		path := c.Settings["path"]
		if !filepath.IsAbs(path) {
			path = filepath.Join(w.dir, path)
		}
		if err := os.MkdirAll(filepath.Dir(localWorkspacePath(path, name)), 0o755); err != nil {
			return &exitError{code: 1, msg: fmt.Sprintf("creating workspace %q: %s", name, err)}
		}
	}
	b, err := openBackend(ctx, w.dir, &nc)
	if err != nil {
		return err
	}
	defer closeBackend(ctx, b)
	m, err := a.openWithTimeout(ctx, b, state.OpenOptions{Operation: "workspace new", Version: indigoVersion(), ReadOnly: !a.tf.lock})
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("creating workspace %q: %s", name, err)}
	}
	if from != "" {
		err = m.Push(ctx, s, true)
	} else if cur := m.State(); cur.Serial == 0 {
		// An empty snapshot makes the workspace exist for list and select
		// (an S3 workspace is its objects).
		empty := state.New()
		empty.Lineage, empty.Serial = cur.Lineage, 1
		err = b.WriteSnapshot(ctx, empty)
	}
	if cerr := m.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("creating workspace %q: %s", name, err)}
	}
	if err := selectWorkspace(w.dir, name); err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("selecting the workspace: %s", err)}
	}
	fmt.Fprintf(a.stdout, "Created and switched to workspace %q.\n", name)
	if from != "" {
		fmt.Fprintf(a.stdout, "It holds the state of %s: %d resource instances.\n", from, len(s.AllInstances()))
	}
	return nil
}

func (a *app) workspaceDeleteCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a workspace and its state (only an empty one, unless -force)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			ctx := cmd.Context()
			if name == defaultWorkspace {
				return &exitError{code: 1, msg: "the default workspace cannot be deleted"}
			}
			w, c, names, err := a.workspaces(ctx)
			if err != nil {
				return err
			}
			if name == c.workspace {
				return &exitError{code: 1, msg: fmt.Sprintf("workspace %q is selected: select another (indigo workspace select default) before deleting it", name)}
			}
			if !slices.Contains(names, name) {
				return &exitError{code: 1, msg: fmt.Sprintf("workspace %q does not exist", name)}
			}
			nc := *c
			nc.workspace = name
			b, err := openBackend(ctx, w.dir, &nc)
			if err != nil {
				return err
			}
			defer closeBackend(ctx, b)
			m, err := a.openWithTimeout(ctx, b, state.OpenOptions{Operation: "workspace delete", Version: indigoVersion(), ReadOnly: !a.tf.lock})
			if err != nil {
				return &exitError{code: 1, msg: fmt.Sprintf("deleting workspace %q: %s", name, err)}
			}
			n := len(m.State().AllInstances())
			if n > 0 && !force {
				m.Close(ctx)
				return &exitError{code: 1, msg: fmt.Sprintf("workspace %q still manages %d resource instances: destroy them first (indigo workspace select %s, then indigo destroy), or delete it with -force and leave them unmanaged", name, n, name)}
			}
			// The lock is held until the state is gone.
			switch c.Type {
			case "local":
				err = os.RemoveAll(filepath.Dir(localWorkspacePath(filepath.Join(w.dir, c.Settings["path"]), name)))
			case "pg":
				err = b.(*pg.Backend).DeleteWorkspace(ctx)
			case "s3":
				err = b.(*s3.Backend).Delete(ctx)
			}
			m.Close(ctx)
			if err != nil {
				return &exitError{code: 1, msg: fmt.Sprintf("deleting workspace %q: %s", name, err)}
			}
			fmt.Fprintf(a.stdout, "Deleted workspace %q.\n", name)
			if n > 0 {
				fmt.Fprintf(a.stderr, "Warning: its %d resource instances still exist and no state manages them any more.\n", n)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "delete even when the workspace still manages resources (they are left as they are)")
	return cmd
}
