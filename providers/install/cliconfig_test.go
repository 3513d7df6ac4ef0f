package install

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCLIConfigFull(t *testing.T) {
	cfg, diags := ParseCLIConfig(readTestdata(t, "cliconfig/full.tfrc"), "full.tfrc")
	if len(diags) != 0 {
		t.Fatal(renderDiags(diags))
	}
	if cfg.PluginCacheDir != "$HOME/.terraform.d/plugin-cache" || !cfg.DisableCheckpoint {
		t.Errorf("settings = %q %v", cfg.PluginCacheDir, cfg.DisableCheckpoint)
	}
	if got := cfg.Credentials["app.terraform.io"]; got != "xxxxxx.atlasv1.zzzzzzzzzzzzz" {
		t.Errorf("credentials = %q", string(got))
	}
	if got := cfg.Services["registry.example.com"]["providers.v1"]; got != "https://providers.example.com/v1/" {
		t.Errorf("services = %v", cfg.Services)
	}
	inst := cfg.Installation
	if inst == nil {
		t.Fatal("no provider_installation")
	}
	wantOverrides := map[Provider]string{MustParseProvider("hashicorp/null"): "/home/developer/tmp/terraform-null"}
	if !reflect.DeepEqual(inst.DevOverrides, wantOverrides) {
		t.Errorf("dev overrides = %v", inst.DevOverrides)
	}
	s := cfg.Sources(CLIEnv{})
	wantSources := `dev override hashicorp/null = /home/developer/tmp/terraform-null
filesystem mirror /usr/share/terraform/providers include=example.com/*/*
network mirror https://terraform.example.com/providers/ include=registry.terraform.io/hashicorp/* exclude=registry.terraform.io/hashicorp/dns
origin registry exclude=example.com/*/*,registry.terraform.io/*/*
`
	if s.String() != wantSources {
		t.Errorf("sources:\n%s\nwant:\n%s", s, wantSources)
	}
	// Which methods serve which provider.
	for _, tt := range []struct {
		provider string
		methods  []MethodKind
	}{
		{"example.com/acme/thing", []MethodKind{FilesystemMirror}},
		{"hashicorp/aws", []MethodKind{NetworkMirror}},
		{"hashicorp/dns", nil},
		{"other.example/acme/thing", []MethodKind{Direct}},
	} {
		var got []MethodKind
		for _, m := range s.methodsFor(MustParseProvider(tt.provider)) {
			got = append(got, m.Kind)
		}
		if !reflect.DeepEqual(got, tt.methods) {
			t.Errorf("methods for %s = %v, want %v", tt.provider, got, tt.methods)
		}
	}
}

func TestParseCLIConfigErrorsAreLocated(t *testing.T) {
	for _, name := range []string{"invalid.tfrc", "syntax.tfrc"} {
		_, diags := ParseCLIConfig(readTestdata(t, "cliconfig/"+name), name)
		golden(t, "cliconfig/"+strings.TrimSuffix(name, ".tfrc")+".diags", []byte(renderDiags(diags)))
	}
}

func TestParseCLIConfigJSON(t *testing.T) {
	cfg, diags := ParseCLIConfig(readTestdata(t, "cliconfig/json.tfrc.json"), "json.tfrc.json")
	if len(diags) != 0 {
		t.Fatal(renderDiags(diags))
	}
	got := cfg.Sources(CLIEnv{}).String()
	want := "filesystem mirror /a\nfilesystem mirror /b\norigin registry exclude=example.com/*/*\n"
	if got != want || cfg.PluginCacheDir != "/var/cache/tf" || cfg.Credentials["registry.example.com"] != "json-token" {
		t.Errorf("sources:\n%s\ncache %q, credentials %v", got, cfg.PluginCacheDir, cfg.Credentials)
	}
}

func TestCredentialsNeverPrint(t *testing.T) {
	cfg, _ := ParseCLIConfig(readTestdata(t, "cliconfig/full.tfrc"), "full.tfrc")
	s := cfg.Sources(CLIEnv{})
	for _, out := range []string{
		fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, s),
		fmt.Sprintf("%v %+v %#v", s, s, s),
		fmt.Sprint(cfg.Credentials),
	} {
		if strings.Contains(out, "atlasv1") {
			t.Fatalf("a token was printed: %s", out)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadCLIConfigLocation(t *testing.T) {
	home := t.TempDir()
	dir := t.TempDir()
	indigoEnv := filepath.Join(dir, "indigo.tfrc")
	tfEnv := filepath.Join(dir, "tf.tfrc")
	missing := filepath.Join(dir, "missing.tfrc")
	writeFile(t, indigoEnv, `plugin_cache_dir = "/from/indigo-env"`)
	writeFile(t, tfEnv, `plugin_cache_dir = "/from/tf-env"`)

	tests := []struct {
		name     string
		env      []string
		files    []string // created in home
		wantPath string
		wantWarn string
	}{
		{"INDIGO_CLI_CONFIG_FILE first", []string{"INDIGO_CLI_CONFIG_FILE=" + indigoEnv, "TF_CLI_CONFIG_FILE=" + tfEnv}, nil, indigoEnv, ""},
		{"TF_CLI_CONFIG_FILE next", []string{"TF_CLI_CONFIG_FILE=" + tfEnv}, []string{".indigorc"}, tfEnv, ""},
		{"~/.indigorc before ~/.terraformrc", nil, []string{".indigorc", ".terraformrc"}, filepath.Join(home, ".indigorc"), ""},
		{"~/.terraformrc last", nil, []string{".terraformrc"}, filepath.Join(home, ".terraformrc"), ""},
		{"nothing", nil, nil, "", ""},
		{"missing env file warns and falls back", []string{"TF_CLI_CONFIG_FILE=" + missing}, []string{".terraformrc"},
			filepath.Join(home, ".terraformrc"), "TF_CLI_CONFIG_FILE=" + missing + " names a file that does not exist; indigo uses " + filepath.Join(home, ".terraformrc") + " instead."},
		{"missing env file, no fallback", []string{"TF_CLI_CONFIG_FILE=" + missing}, nil,
			"", "TF_CLI_CONFIG_FILE=" + missing + " names a file that does not exist; indigo uses default settings instead."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range []string{".indigorc", ".terraformrc"} {
				os.Remove(filepath.Join(home, f))
			}
			for _, f := range tt.files {
				writeFile(t, filepath.Join(home, f), `disable_checkpoint = true`)
			}
			cfg, diags := LoadCLIConfig(CLIEnv{Env: tt.env, HomeDir: home})
			if cfg.Path != tt.wantPath {
				t.Errorf("read %q, want %q", cfg.Path, tt.wantPath)
			}
			var warn string
			for _, d := range diags {
				if d.Severity == hcl.DiagError {
					t.Errorf("error: %s", renderDiags(diags))
				}
				warn = d.Detail
			}
			if warn != tt.wantWarn {
				t.Errorf("warning = %q, want %q", warn, tt.wantWarn)
			}
		})
	}
}

func TestLoadCLIConfigEnvironment(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".terraformrc"), `
plugin_cache_dir = "$HOME/cache"
credentials "from-file.example.com" { token = "file-token" }
credentials "both.example.com" { token = "file-token" }
`)
	writeFile(t, filepath.Join(home, ".terraform.d", "credentials.tfrc.json"),
		`{"credentials": {"login.example.com": {"token": "login-token"}, "from-file.example.com": {"token": "ignored"}}}`)
	cfg, diags := LoadCLIConfig(CLIEnv{HomeDir: home, Env: []string{
		"TF_TOKEN_both_example_com=env-token",
		"TF_TOKEN_my__registry_example_com=dash-token",
	}})
	if len(diags) != 0 {
		t.Fatal(renderDiags(diags))
	}
	if cfg.PluginCacheDir != filepath.Join(home, "cache") {
		t.Errorf("plugin cache = %q", cfg.PluginCacheDir)
	}
	want := map[string]Token{
		"from-file.example.com":   "file-token",
		"both.example.com":        "env-token",
		"login.example.com":       "login-token",
		"my-registry.example.com": "dash-token",
	}
	if !reflect.DeepEqual(cfg.Credentials, want) {
		t.Errorf("credentials = %#v", mapStrings(cfg.Credentials))
	}

	// The environment's cache directory wins over the file's.
	cfg, _ = LoadCLIConfig(CLIEnv{HomeDir: home, Env: []string{"TF_PLUGIN_CACHE_DIR=/tf", "INDIGO_PLUGIN_CACHE_DIR=~/indigo-cache"}})
	if cfg.PluginCacheDir != filepath.Join(home, "indigo-cache") {
		t.Errorf("plugin cache = %q", cfg.PluginCacheDir)
	}
}

func mapStrings(m map[string]Token) map[string]string {
	out := make(map[string]string)
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

func TestImpliedSources(t *testing.T) {
	home := t.TempDir()
	work := t.TempDir()
	pkg := filepath.Join(home, ".terraform.d", "plugins", "registry.terraform.io", "hashicorp", "foo", "1.0.0", "linux_amd64", "terraform-provider-foo")
	writeFile(t, pkg, "binary")
	writeFile(t, filepath.Join(work, "terraform.d", "plugins", "example.com", "acme", "bar", "terraform-provider-bar_1.0.0_linux_amd64.zip"), "zip")
	env := CLIEnv{HomeDir: home, WorkDir: work, Env: []string{"XDG_DATA_HOME=" + filepath.Join(home, "xdg"), "XDG_DATA_DIRS=" + filepath.Join(home, "none")}}

	cfg, diags := LoadCLIConfig(env)
	if len(diags) != 0 {
		t.Fatal(renderDiags(diags))
	}
	got := cfg.Sources(env).String()
	want := fmt.Sprintf(`filesystem mirror %s (implied)
filesystem mirror %s (implied)
origin registry exclude=example.com/acme/bar,registry.terraform.io/hashicorp/foo (implied)
`, filepath.Join(work, "terraform.d", "plugins"), filepath.Join(home, ".terraform.d", "plugins"))
	if got != want {
		t.Errorf("implied sources:\n%s\nwant:\n%s", got, want)
	}
}

func TestPatterns(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{"hashicorp/aws", "registry.terraform.io/hashicorp/aws", ""},
		{"*/*", "registry.terraform.io/*/*", ""},
		{"example.com/*/*", "example.com/*/*", ""},
		{"*/*/*", "*/*/*", ""},
		{"Example.COM/Acme/*", "example.com/acme/*", ""},
		{"*/hashicorp/aws", "", "the hostname can be a wildcard only if"},
		{"*/aws", "", "the namespace can be a wildcard only if"},
		{"aws", "", "must have two or three"},
		{"a/b/c/d", "", "must have two or three"},
		{"example.com/a b/c", "", "invalid namespace"},
	}
	for _, tt := range tests {
		pat, err := ParsePattern(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePattern(%q) = %v, want error containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || pat.String() != tt.want {
			t.Errorf("ParsePattern(%q) = %s, %v, want %s", tt.in, pat, err, tt.want)
		}
	}
	aws := MustParseProvider("hashicorp/aws")
	m := Method{Include: []Pattern{{DefaultRegistryHost, "hashicorp", "*"}}, Exclude: []Pattern{ExactPattern(aws)}}
	if m.Allows(aws) || !m.Allows(MustParseProvider("hashicorp/dns")) || m.Allows(MustParseProvider("acme/dns")) {
		t.Error("exclusion must win over inclusion, and inclusion must limit")
	}
}

func FuzzParseCLIConfig(f *testing.F) {
	for _, name := range []string{"full.tfrc", "invalid.tfrc", "syntax.tfrc", "json.tfrc.json"} {
		f.Add(readTestdata(f, "cliconfig/"+name))
	}
	f.Add([]byte(`a = 99999999999999999999999999`))
	f.Add([]byte(`provider_installation { dev_overrides { "x/y" = 1.5e999 } }`))
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, diags := ParseCLIConfig(src, "fuzz.tfrc")
		if cfg == nil {
			t.Fatal("nil configuration")
		}
		for _, d := range diags {
			if d.Severity == hcl.DiagError && d.Subject == nil {
				t.Fatalf("error without location: %s", d.Summary)
			}
		}
	})
}
