package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// defaultLoginHost is the host terraform login and logout use when none is
// given.
const defaultLoginHost = "app.terraform.io"

// loginCommand stores an API token for a host in the credentials file
// Terraform's login writes (~/.terraform.d/credentials.tfrc.json), which
// indigo reads to reach private registries; logoutCommand removes it.
// indigo does not run a browser sign-in: the token is read from standard
// input, so that `indigo login HOST < token-file` works in a script.
func (a *app) loginCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "login [HOST]",
		Short: "Store an API token for a registry host",
		Long: `Login reads an API token for HOST (default ` + defaultLoginHost + `) from standard input and stores it
in ~/.terraform.d/credentials.tfrc.json (mode 0600), the file terraform login writes, which init and
module installation read. indigo does not open a browser to sign in: create the token on the
host's web site, then run, for example, indigo login registry.example.org < token.txt.
TF_TOKEN_<host> variables take precedence over the file.`,
		Example: "  indigo login registry.example.org < token.txt",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			host := hostArg(args)
			fmt.Fprintf(a.stderr, "Token for %s (read from standard input): ", host)
			line, err := bufio.NewReader(a.stdin).ReadString('\n')
			token := strings.TrimSpace(line)
			fmt.Fprintln(a.stderr)
			if token == "" {
				if err == nil {
					err = errors.New("an empty line")
				}
				return &exitError{code: 1, msg: fmt.Sprintf("no token for %s on standard input (%v): pipe one in, as in indigo login %s < token.txt, or set TF_TOKEN_%s", host, err, host, strings.NewReplacer(".", "_", "-", "__").Replace(host))}
			}
			path, doc, err := readCredentials()
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			doc[host] = map[string]any{"token": token}
			if err := writeCredentials(path, doc); err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			fmt.Fprintf(a.stdout, "Stored the token for %s in %s.\n", host, path)
			return nil
		},
	}
}

func (a *app) logoutCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "logout [HOST]",
		Short: "Remove the stored API token of a registry host",
		Long: `Logout removes the token stored for HOST (default ` + defaultLoginHost + `) from
~/.terraform.d/credentials.tfrc.json. It does not revoke the token on the host.`,
		Example: "  indigo logout registry.example.org",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			host := hostArg(args)
			path, doc, err := readCredentials()
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			if _, ok := doc[host]; !ok {
				fmt.Fprintf(a.stdout, "No token is stored for %s.\n", host)
				return nil
			}
			delete(doc, host)
			if err := writeCredentials(path, doc); err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			fmt.Fprintf(a.stdout, "Removed the token for %s from %s. It still works on the host until revoked there.\n", host, path)
			return nil
		},
	}
}

// readCredentials reads the credentials of credentials.tfrc.json by host;
// a missing file has none.
func readCredentials() (string, map[string]any, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", nil, fmt.Errorf("finding the home directory: %w", err)
	}
	path := filepath.Join(home, ".terraform.d", "credentials.tfrc.json")
	doc := struct {
		Credentials map[string]any `json:"credentials"`
	}{}
	src, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return "", nil, err
	default:
		if err := json.Unmarshal(src, &doc); err != nil {
			return "", nil, fmt.Errorf("%s is not valid JSON (%v): fix or remove it", path, err)
		}
	}
	if doc.Credentials == nil {
		doc.Credentials = map[string]any{}
	}
	return path, doc.Credentials, nil
}

// writeCredentials writes the credentials back, readable by the user only.
func writeCredentials(path string, creds map[string]any) error {
	data, err := json.MarshalIndent(map[string]any{"credentials": creds}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// hostArg is the host a login or logout names, or the default.
func hostArg(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return defaultLoginHost
}
