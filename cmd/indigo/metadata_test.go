package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestMetadataFunctionsAgreesWithOpenTofu: metadata functions -json lists
// the same functions as tofu metadata functions -json (core:: aliases
// too), each with the same parameter, variadic parameter and return types.
func TestMetadataFunctionsAgreesWithOpenTofu(t *testing.T) {
	tofu := testsrv.TofuBinary(t)
	type param struct {
		Name string          `json:"name"`
		Type json.RawMessage `json:"type"`
	}
	type sig struct {
		ReturnType json.RawMessage `json:"return_type"`
		Parameters []param         `json:"parameters"`
		Variadic   *param          `json:"variadic_parameter"`
	}
	read := func(out string) map[string]sig {
		t.Helper()
		var doc struct {
			FormatVersion string         `json:"format_version"`
			Functions     map[string]sig `json:"function_signatures"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.FormatVersion != "1.0" {
			t.Fatalf("metadata functions -json: %v, format %q", err, doc.FormatVersion)
		}
		return doc.Functions
	}
	r := newCLIRun(t, nil)
	mine := read(r.ok("metadata", "functions", "-json"))
	theirs := read(tofuIn(t, tofu, t.TempDir(), "metadata", "functions", "-json"))
	if a, b := slices.Sorted(maps.Keys(mine)), slices.Sorted(maps.Keys(theirs)); !slices.Equal(a, b) {
		t.Errorf("functions differ:\nindigo  %v\nOpenTofu %v", a, b)
	}
	types := func(s sig) string {
		out := string(s.ReturnType) + " ("
		for _, p := range s.Parameters {
			out += string(p.Type) + ","
		}
		if s.Variadic != nil {
			out += "..." + string(s.Variadic.Type)
		}
		return out + ")"
	}
	for name, want := range theirs {
		if got, ok := mine[name]; ok && types(got) != types(want) {
			t.Errorf("%s: indigo %s, OpenTofu %s", name, types(got), types(want))
		}
	}
	if r.fails("JSON only", "metadata", "functions") == "" {
		t.Error("metadata functions without -json must say -json is needed")
	}
}

// TestModulesJSON: modules -json lists every module call, nested ones by
// the dotted path of their calls, with the source as written.
func TestModulesJSON(t *testing.T) {
	r := newCLIRun(t, map[string]string{
		"main.tf":        "module \"net\" {\n  source = \"./net\"\n}\n",
		"net/main.tf":    "module \"subnets\" {\n  source = \"../subnets\"\n}\n",
		"subnets/x.tf":   "output \"n\" {\n  value = 1\n}\n",
		"unused/main.tf": "",
	})
	var doc struct {
		FormatVersion string `json:"format_version"`
		Modules       []struct {
			Key, Source, Version string
		} `json:"modules"`
	}
	if err := json.Unmarshal([]byte(r.ok("modules", "-json")), &doc); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(doc.FormatVersion, " ", doc.Modules); got != "1.0 [{net ./net } {net.subnets ../subnets }]" {
		t.Errorf("modules -json: %s", got)
	}
	r.fails("JSON only", "modules")
}

// TestLoginLogout: login stores the token read from standard input in the
// credentials file Terraform's login writes, readable by the user only,
// which module installation then uses; logout removes it.
func TestLoginLogout(t *testing.T) {
	r := newCLIRun(t, nil)
	out := r.indigoStdin("t0ken-value\n", "login", "registry.example.org")
	path := filepath.Join(r.dir, ".terraform.d", "credentials.tfrc.json")
	if !strings.Contains(out, "Stored the token for registry.example.org") {
		t.Errorf("login: %s", out)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v, %v", info, err)
	}
	if got := r.file(".terraform.d/credentials.tfrc.json"); !strings.Contains(got, `"registry.example.org"`) || !strings.Contains(got, `"token": "t0ken-value"`) {
		t.Errorf("credentials file:\n%s", got)
	}
	empty := indigoCmd(t, r.dir, "login", "other.example.org")
	empty.Env = append(empty.Env, r.env...)
	if out, err := empty.CombinedOutput(); err == nil || !strings.Contains(string(out), "no token for other.example.org") {
		t.Errorf("login without a token: %v\n%s", err, out)
	}
	r.ok("logout", "registry.example.org")
	if got := r.file(".terraform.d/credentials.tfrc.json"); strings.Contains(got, "t0ken-value") {
		t.Errorf("logout left the token:\n%s", got)
	}
}
