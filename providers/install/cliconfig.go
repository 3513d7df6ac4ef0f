package install

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	hcl1 "github.com/hashicorp/hcl"
	hcl1ast "github.com/hashicorp/hcl/hcl/ast"
	hcl1parser "github.com/hashicorp/hcl/hcl/parser"
	hcl1token "github.com/hashicorp/hcl/hcl/token"
	"github.com/hashicorp/hcl/v2"
	svchost "github.com/hashicorp/terraform-svchost"
)

// CLIEnv is what the CLI configuration depends on in the process
// environment. Tests build their own; DefaultCLIEnv reads the process's.
type CLIEnv struct {
	// Env holds KEY=VALUE pairs, as os.Environ returns them.
	Env []string
	// HomeDir is the user's home directory ("" if unknown).
	HomeDir string
	// WorkDir is the working directory, for the implied mirror
	// directories indigo.d/plugins and terraform.d/plugins.
	WorkDir string
}

// DefaultCLIEnv returns the process's environment, home and working
// directory.
func DefaultCLIEnv() CLIEnv {
	home, _ := os.UserHomeDir()
	wd, _ := os.Getwd()
	return CLIEnv{Env: os.Environ(), HomeDir: home, WorkDir: wd}
}

// Getenv returns the value of key, or "".
func (e CLIEnv) Getenv(key string) string {
	for i := len(e.Env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(e.Env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// CLIConfig is the CLI configuration: Terraform's .terraformrc format,
// read from the first of INDIGO_CLI_CONFIG_FILE, TF_CLI_CONFIG_FILE,
// ~/.indigorc and ~/.terraformrc that exists.
type CLIConfig struct {
	// Path is the file read, "" when there was none.
	Path string
	// PluginCacheDir is the shared provider cache (plugin_cache_dir, or
	// INDIGO_PLUGIN_CACHE_DIR / TF_PLUGIN_CACHE_DIR), environment variables
	// expanded; "" when caching is off.
	PluginCacheDir string
	// PluginCacheMayBreakLockFile lets a cached package be used although
	// the lock file has no checksum for it
	// (plugin_cache_may_break_dependency_lock_file).
	PluginCacheMayBreakLockFile bool
	// DisableCheckpoint is read for compatibility; indigo never calls
	// HashiCorp's checkpoint service.
	DisableCheckpoint bool
	// Installation is the provider_installation block, nil when absent.
	Installation *Installation
	// Services holds the host blocks: hostname → service ID → URL.
	Services map[string]map[string]string
	// Credentials holds API tokens by hostname: credentials blocks, then
	// ~/.terraform.d/credentials.tfrc.json (written by "terraform login"),
	// overridden by INDIGO_TOKEN_<host> and TF_TOKEN_<host> variables.
	Credentials map[string]Token
}

// Installation is a provider_installation block.
type Installation struct {
	DevOverrides map[Provider]string
	Methods      []Method
}

// cliConfigEnvVars name the configuration file, in priority order.
var cliConfigEnvVars = []string{"INDIGO_CLI_CONFIG_FILE", "TF_CLI_CONFIG_FILE"}

// LoadCLIConfig finds and reads the CLI configuration. A file named by an
// environment variable that does not exist is a warning, and the search
// goes on to the next place. Problems in the file are diagnostics located
// at file:line:col; the configuration returned holds what was valid.
func LoadCLIConfig(env CLIEnv) (*CLIConfig, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var candidates []string
	var missingFromEnv []string
	for _, name := range cliConfigEnvVars {
		if p := env.Getenv(name); p != "" {
			if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
				missingFromEnv = append(missingFromEnv, name+"="+p)
				continue
			}
			candidates = append(candidates, p)
		}
	}
	if env.HomeDir != "" {
		candidates = append(candidates, filepath.Join(env.HomeDir, ".indigorc"), filepath.Join(env.HomeDir, ".terraformrc"))
	}

	cfg := &CLIConfig{}
	for _, path := range candidates {
		src, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read the CLI configuration",
				Detail:   err.Error(),
			})
			break
		}
		var fileDiags hcl.Diagnostics
		cfg, fileDiags = ParseCLIConfig(src, path)
		diags = append(diags, fileDiags...)
		break
	}
	for _, m := range missingFromEnv {
		using := "default settings"
		if cfg.Path != "" {
			using = cfg.Path
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "CLI configuration file not found",
			Detail:   fmt.Sprintf("%s names a file that does not exist; indigo uses %s instead.", m, using),
		})
	}

	cfg.applyEnv(env, &diags)
	return cfg, diags
}

// applyEnv adds what the environment says on top of the file.
func (c *CLIConfig) applyEnv(env CLIEnv, diags *hcl.Diagnostics) {
	for _, name := range []string{"TF_PLUGIN_CACHE_DIR", "INDIGO_PLUGIN_CACHE_DIR"} {
		if v := env.Getenv(name); v != "" {
			c.PluginCacheDir = v
		}
	}
	for _, name := range []string{"TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE", "INDIGO_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"} {
		if v := env.Getenv(name); v != "" && v != "0" {
			c.PluginCacheMayBreakLockFile = true
		}
	}
	c.PluginCacheDir = expandPath(c.PluginCacheDir, env)

	if env.HomeDir != "" {
		path := filepath.Join(env.HomeDir, ".terraform.d", "credentials.tfrc.json")
		if src, err := os.ReadFile(path); err == nil {
			var doc struct {
				Credentials map[string]struct {
					Token string `json:"token"`
				} `json:"credentials"`
			}
			if err := json.Unmarshal(src, &doc); err != nil {
				*diags = append(*diags, &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "Cannot read stored credentials",
					Detail:   fmt.Sprintf("%s is not valid JSON (%s); its credentials are ignored.", path, err),
				})
			}
			for host, cred := range doc.Credentials {
				if h, err := credentialsHost(host); err == nil && cred.Token != "" {
					if _, set := c.Credentials[h]; !set {
						c.setCredentials(h, Token(cred.Token))
					}
				}
			}
		}
	}
	// Tokens from the environment win over files, as in Terraform.
	for _, prefix := range []string{"TF_TOKEN_", "INDIGO_TOKEN_"} {
		for _, kv := range env.Env {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || !strings.HasPrefix(k, prefix) || v == "" {
				continue
			}
			if h, err := credentialsHost(tokenVarHost(strings.TrimPrefix(k, prefix))); err == nil {
				c.setCredentials(h, Token(v))
			}
		}
	}
}

func (c *CLIConfig) setCredentials(host string, t Token) {
	if c.Credentials == nil {
		c.Credentials = make(map[string]Token)
	}
	c.Credentials[host] = t
}

// tokenVarHost decodes the hostname of a TF_TOKEN_ variable: "_" stands
// for ".", "__" for "-".
func tokenVarHost(s string) string {
	s = strings.ReplaceAll(s, "__", "-")
	return strings.ReplaceAll(s, "_", ".")
}

// credentialsHost normalises a hostname[:port] for the credentials map.
func credentialsHost(s string) (string, error) {
	h, err := svchost.ForComparison(s)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// expandPath expands environment variables and a leading "~/".
func expandPath(p string, env CLIEnv) string {
	if p == "" {
		return ""
	}
	p = os.Expand(p, func(k string) string {
		if k == "HOME" && env.HomeDir != "" && env.Getenv("HOME") == "" {
			return env.HomeDir
		}
		return env.Getenv(k)
	})
	if env.HomeDir != "" && (p == "~" || strings.HasPrefix(p, "~/")) {
		p = filepath.Join(env.HomeDir, p[1:])
	}
	return p
}

// Sources returns where providers come from under this configuration: its
// provider_installation block, or the implied sources when there is none.
func (c *CLIConfig) Sources(env CLIEnv) Sources {
	var s Sources
	if c.Installation != nil {
		s.DevOverrides = c.Installation.DevOverrides
		s.Methods = c.Installation.Methods
	} else {
		s = ImpliedSources(env)
	}
	s.Services = c.Services
	s.Credentials = c.Credentials
	return s
}

// ParseCLIConfig parses a CLI configuration file's content (HCL as
// Terraform reads it, which allows quoted keys such as
// "hashicorp/null" = "/dir" in dev_overrides, or JSON). filename is used in
// diagnostics.
func ParseCLIConfig(src []byte, filename string) (cfg *CLIConfig, diags hcl.Diagnostics) {
	cfg = &CLIConfig{Path: filename}
	p := &cliParser{filename: filename}
	defer func() {
		// The HCL 1 library panics on a few malformed literals; outside
		// input must never crash indigo.
		if r := recover(); r != nil {
			diags = append(p.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid CLI configuration",
				Detail:   fmt.Sprintf("The file could not be read: %v.", r),
				Subject:  &hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos},
			})
		}
	}()
	file, err := hcl1.ParseBytes(src)
	if err != nil {
		var pe *hcl1parser.PosError
		if errors.As(err, &pe) {
			return cfg, hcl.Diagnostics{p.diag(hcl.DiagError, "Invalid CLI configuration syntax", pe.Err.Error()+".", pe.Pos)}
		}
		return cfg, hcl.Diagnostics{p.diag(hcl.DiagError, "Invalid CLI configuration syntax", err.Error()+".", hcl1token.Pos{})}
	}
	root, ok := file.Node.(*hcl1ast.ObjectList)
	if !ok {
		return cfg, hcl.Diagnostics{p.diag(hcl.DiagError, "Invalid CLI configuration", "The file must contain settings and blocks.", hcl1token.Pos{})}
	}
	p.parseRoot(root, cfg)
	return cfg, p.diags
}

type cliParser struct {
	filename string
	diags    hcl.Diagnostics
}

// diag makes a diagnostic located at pos. JSON files carry no positions:
// their diagnostics point at the file.
func (p *cliParser) diag(sev hcl.DiagnosticSeverity, summary, detail string, pos hcl1token.Pos) *hcl.Diagnostic {
	start := hcl.Pos{Line: 1, Column: 1, Byte: 0}
	if pos.IsValid() {
		start = hcl.Pos{Line: pos.Line, Column: pos.Column, Byte: pos.Offset}
	}
	end := start
	end.Column++
	end.Byte++
	return &hcl.Diagnostic{
		Severity: sev, Summary: summary, Detail: detail,
		Subject: &hcl.Range{Filename: p.filename, Start: start, End: end},
	}
}

func (p *cliParser) errorf(pos hcl1token.Pos, summary, format string, args ...any) {
	p.diags = append(p.diags, p.diag(hcl.DiagError, summary, fmt.Sprintf(format, args...), pos))
}

// keyName returns an item key's text, unquoted.
func keyName(k *hcl1ast.ObjectKey) string {
	if k.Token.Type == hcl1token.STRING {
		if s, ok := k.Token.Value().(string); ok {
			return s
		}
	}
	return k.Token.Text
}

// itemPos returns where an item starts.
func itemPos(item *hcl1ast.ObjectItem) hcl1token.Pos {
	if len(item.Keys) > 0 {
		return item.Keys[0].Pos()
	}
	return item.Val.Pos()
}

func (p *cliParser) parseRoot(root *hcl1ast.ObjectList, cfg *CLIConfig) {
	var installSeen *hcl1token.Pos
	for _, item := range root.Items {
		if len(item.Keys) == 0 {
			continue
		}
		name := keyName(item.Keys[0])
		pos := itemPos(item)
		switch name {
		case "plugin_cache_dir":
			if s, ok := p.stringValue(item, name); ok {
				cfg.PluginCacheDir = s
			}
		case "plugin_cache_may_break_dependency_lock_file":
			if b, ok := p.boolValue(item, name); ok {
				cfg.PluginCacheMayBreakLockFile = b
			}
		case "disable_checkpoint":
			if b, ok := p.boolValue(item, name); ok {
				cfg.DisableCheckpoint = b
			}
		case "disable_checkpoint_signature":
			p.boolValue(item, name) // checked, then ignored: indigo has no checkpoint
		case "provider_installation":
			if installSeen != nil {
				p.errorf(pos, "Duplicate provider_installation block",
					"The CLI configuration may have only one provider_installation block; the first is at line %d.", installSeen.Line)
				continue
			}
			installSeen = &pos
			if body, ok := p.blockBody(item, name); ok {
				cfg.Installation = p.parseInstallation(body)
			}
		case "host":
			for _, b := range p.labeledBlocks(item, name) {
				host, err := svchost.ForComparison(b.label)
				if err != nil {
					p.errorf(b.pos, "Invalid host block", "Invalid hostname %q: %s.", b.label, err)
					continue
				}
				services := p.parseHost(b.body)
				if cfg.Services == nil {
					cfg.Services = make(map[string]map[string]string)
				}
				cfg.Services[string(host)] = services
			}
		case "credentials":
			for _, b := range p.labeledBlocks(item, name) {
				host, err := credentialsHost(b.label)
				if err != nil {
					p.errorf(b.pos, "Invalid credentials block", "Invalid hostname %q: %s.", b.label, err)
					continue
				}
				if tok := p.parseCredentials(b.body, b.pos); tok != "" {
					cfg.setCredentials(host, tok)
				}
			}
		case "credentials_helper":
			p.diags = append(p.diags, p.diag(hcl.DiagWarning, "Credentials helpers are not supported",
				"indigo does not run credentials helpers; give tokens in credentials blocks or TF_TOKEN_<host> variables.", pos))
		case "providers":
			p.diags = append(p.diags, p.diag(hcl.DiagWarning, "Legacy providers setting ignored",
				"The providers setting of Terraform 0.12 and earlier is not supported; use provider_installation.", pos))
		default:
			p.diags = append(p.diags, p.diag(hcl.DiagWarning, "Unknown CLI configuration setting",
				fmt.Sprintf("%q is not a setting indigo knows; it is ignored.", name), pos))
		}
	}
}

// stringValue reads a "name = string" item.
func (p *cliParser) stringValue(item *hcl1ast.ObjectItem, name string) (string, bool) {
	if len(item.Keys) == 1 {
		if s, ok := literalString(item.Val); ok {
			return s, true
		}
	}
	p.errorf(itemPos(item), "Invalid CLI configuration value", "%s must be a string.", name)
	return "", false
}

func (p *cliParser) boolValue(item *hcl1ast.ObjectItem, name string) (bool, bool) {
	if lit, ok := item.Val.(*hcl1ast.LiteralType); ok && len(item.Keys) == 1 && lit.Token.Type == hcl1token.BOOL {
		return lit.Token.Text == "true", true
	}
	p.errorf(itemPos(item), "Invalid CLI configuration value", "%s must be true or false.", name)
	return false, false
}

func literalString(n hcl1ast.Node) (string, bool) {
	lit, ok := n.(*hcl1ast.LiteralType)
	if !ok || (lit.Token.Type != hcl1token.STRING && lit.Token.Type != hcl1token.HEREDOC) {
		return "", false
	}
	s, ok := lit.Token.Value().(string)
	return s, ok
}

type labeledBlock struct {
	label string
	pos   hcl1token.Pos
	body  *hcl1ast.ObjectList
}

// blockBody reads an unlabeled block "name { ... }" (or "name = {...}").
func (p *cliParser) blockBody(item *hcl1ast.ObjectItem, name string) (*hcl1ast.ObjectList, bool) {
	obj, ok := item.Val.(*hcl1ast.ObjectType)
	if !ok || len(item.Keys) != 1 {
		p.errorf(itemPos(item), "Invalid "+name+" block", "%s must be a block: %s { ... }.", name, name)
		return nil, false
	}
	return obj.List, true
}

// labeledBlocks reads name "label" { ... }, also in the nested form
// name { "label" { ... } } that JSON files produce.
func (p *cliParser) labeledBlocks(item *hcl1ast.ObjectItem, name string) []labeledBlock {
	obj, ok := item.Val.(*hcl1ast.ObjectType)
	if !ok {
		p.errorf(itemPos(item), "Invalid "+name+" block", "%s must be a block with one label: %s \"HOSTNAME\" { ... }.", name, name)
		return nil
	}
	switch len(item.Keys) {
	case 2:
		return []labeledBlock{{label: keyName(item.Keys[1]), pos: item.Keys[1].Pos(), body: obj.List}}
	case 1:
		var out []labeledBlock
		for _, inner := range obj.List.Items {
			innerObj, ok := inner.Val.(*hcl1ast.ObjectType)
			if !ok || len(inner.Keys) != 1 {
				p.errorf(itemPos(inner), "Invalid "+name+" block", "%s must be a block with one label: %s \"HOSTNAME\" { ... }.", name, name)
				continue
			}
			out = append(out, labeledBlock{label: keyName(inner.Keys[0]), pos: itemPos(inner), body: innerObj.List})
		}
		return out
	}
	p.errorf(itemPos(item), "Invalid "+name+" block", "%s must have exactly one label.", name)
	return nil
}

func (p *cliParser) parseHost(body *hcl1ast.ObjectList) map[string]string {
	services := make(map[string]string)
	for _, item := range body.Items {
		name := keyName(item.Keys[0])
		if name != "services" || len(item.Keys) != 1 {
			p.errorf(itemPos(item), "Invalid host block", "A host block takes only a services argument, not %q.", name)
			continue
		}
		obj, ok := item.Val.(*hcl1ast.ObjectType)
		if !ok {
			p.errorf(itemPos(item), "Invalid host block", "services must be a map of service IDs to URLs.")
			continue
		}
		for _, svc := range obj.List.Items {
			if len(svc.Keys) != 1 {
				p.errorf(itemPos(svc), "Invalid host block", "services must be a map of service IDs to URLs.")
				continue
			}
			u, ok := literalString(svc.Val)
			if !ok {
				p.errorf(itemPos(svc), "Invalid host block", "The URL of service %q must be a string.", keyName(svc.Keys[0]))
				continue
			}
			services[keyName(svc.Keys[0])] = u
		}
	}
	return services
}

func (p *cliParser) parseCredentials(body *hcl1ast.ObjectList, pos hcl1token.Pos) Token {
	var tok Token
	for _, item := range body.Items {
		name := keyName(item.Keys[0])
		if name != "token" {
			// Other keys may be meant for a credentials helper; tolerated.
			continue
		}
		if s, ok := p.stringValue(item, "token"); ok {
			tok = Token(s)
		}
	}
	if tok == "" {
		p.errorf(pos, "Invalid credentials block", "A credentials block needs a token argument.")
	}
	return tok
}

func (p *cliParser) parseInstallation(body *hcl1ast.ObjectList) *Installation {
	inst := &Installation{}
	sawMethod := false
	for _, item := range body.Items {
		if len(item.Keys) == 0 {
			continue
		}
		name := keyName(item.Keys[0])
		pos := itemPos(item)
		obj, ok := item.Val.(*hcl1ast.ObjectType)
		if !ok || len(item.Keys) != 1 {
			p.errorf(pos, "Invalid provider installation method",
				"%s must be a block without labels: %s { ... }.", name, name)
			continue
		}
		switch name {
		case "dev_overrides":
			if sawMethod {
				p.errorf(pos, "Invalid dev_overrides block", "dev_overrides must come before every installation method in provider_installation, because it overrides them.")
			}
			if inst.DevOverrides != nil {
				p.errorf(pos, "Duplicate dev_overrides block", "provider_installation may have only one dev_overrides block.")
				continue
			}
			inst.DevOverrides = p.parseDevOverrides(obj.List)
		case string(Direct), string(FilesystemMirror), string(NetworkMirror):
			sawMethod = true
			if m, ok := p.parseMethod(MethodKind(name), obj.List, pos); ok {
				inst.Methods = append(inst.Methods, m)
			}
		default:
			p.errorf(pos, "Unknown provider installation method",
				"%q is not an installation method; use direct, filesystem_mirror, network_mirror or dev_overrides.", name)
		}
	}
	return inst
}

func (p *cliParser) parseDevOverrides(body *hcl1ast.ObjectList) map[Provider]string {
	out := make(map[Provider]string)
	for _, item := range body.Items {
		pos := itemPos(item)
		if len(item.Keys) != 1 {
			p.errorf(pos, "Invalid dev_overrides block", "Each entry must be \"NAMESPACE/TYPE\" = \"DIRECTORY\".")
			continue
		}
		addr := keyName(item.Keys[0])
		prov, err := ParseProvider(addr)
		if err != nil || !strings.Contains(addr, "/") {
			if err == nil {
				err = errors.New("write NAMESPACE/TYPE or HOSTNAME/NAMESPACE/TYPE")
			}
			p.errorf(pos, "Invalid dev_overrides block", "Invalid provider address %q: %s.", addr, err)
			continue
		}
		dir, ok := literalString(item.Val)
		if !ok || dir == "" {
			p.errorf(pos, "Invalid dev_overrides block", "The directory for %s must be a non-empty string.", addr)
			continue
		}
		out[prov] = filepath.Clean(dir)
	}
	return out
}

func (p *cliParser) parseMethod(kind MethodKind, body *hcl1ast.ObjectList, blockPos hcl1token.Pos) (Method, bool) {
	m := Method{Kind: kind}
	valid := true
	for _, item := range body.Items {
		pos := itemPos(item)
		name := keyName(item.Keys[0])
		switch {
		case name == "include" || name == "exclude":
			pats, ok := p.patterns(item, name)
			valid = valid && ok
			if name == "include" {
				m.Include = pats
			} else {
				m.Exclude = pats
			}
		case name == "path" && kind == FilesystemMirror:
			s, ok := p.stringValue(item, name)
			if ok && s == "" {
				p.errorf(pos, "Invalid filesystem_mirror block", "path must not be empty.")
				ok = false
			}
			valid = valid && ok
			m.Location = filepath.Clean(s)
		case name == "url" && kind == NetworkMirror:
			s, ok := p.stringValue(item, name)
			if ok {
				u, err := url.Parse(s)
				switch {
				case err != nil:
					p.errorf(pos, "Invalid network_mirror block", "Invalid URL %q: %s.", s, err)
					ok = false
				case u.Scheme != "https" || u.Host == "":
					p.errorf(pos, "Invalid network_mirror block", "The URL %q must be an https:// URL with a host.", s)
					ok = false
				}
				if ok && !strings.HasSuffix(u.Path, "/") {
					u.Path += "/"
				}
				if ok {
					m.Location = u.String()
				}
			}
			valid = valid && ok
		default:
			p.errorf(pos, "Invalid "+string(kind)+" block", "%s does not take an argument named %q.", kind, name)
			valid = false
		}
	}
	if kind == FilesystemMirror && m.Location == "" && !hasKey(body, "path") {
		p.errorf(blockPos, "Invalid filesystem_mirror block", "A filesystem_mirror block needs a path argument.")
		valid = false
	}
	if kind == NetworkMirror && m.Location == "" && !hasKey(body, "url") {
		p.errorf(blockPos, "Invalid network_mirror block", "A network_mirror block needs a url argument.")
		valid = false
	}
	return m, valid
}

func hasKey(body *hcl1ast.ObjectList, name string) bool {
	for _, item := range body.Items {
		if len(item.Keys) > 0 && keyName(item.Keys[0]) == name {
			return true
		}
	}
	return false
}

func (p *cliParser) patterns(item *hcl1ast.ObjectItem, name string) ([]Pattern, bool) {
	list, ok := item.Val.(*hcl1ast.ListType)
	if !ok || len(item.Keys) != 1 {
		p.errorf(itemPos(item), "Invalid provider pattern list", "%s must be a list of provider patterns, like [\"hashicorp/*\"].", name)
		return nil, false
	}
	var out []Pattern
	valid := true
	for _, elem := range list.List {
		s, ok := literalString(elem)
		if !ok {
			p.errorf(elem.Pos(), "Invalid provider pattern", "Each %s pattern must be a string.", name)
			valid = false
			continue
		}
		pat, err := ParsePattern(s)
		if err != nil {
			p.errorf(elem.Pos(), "Invalid provider pattern", "%s.", err)
			valid = false
			continue
		}
		out = append(out, pat)
	}
	return out, valid
}
