package modsrc

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/providers/install"
)

// ManifestFile is the name of the manifest in the modules directory.
const ManifestFile = "modules.json"

// Manifest records which module calls init installed, and where: the
// modules.json file of the modules directory (.indigo/modules), in the
// shape of Terraform's .terraform/modules/modules.json.
type Manifest struct {
	Modules []Record `json:"Modules"`
}

// Record is one installed module call.
type Record struct {
	// Key is the call's path from the root module: "net", "net.subnets".
	Key string `json:"Key"`
	// Source is the source address as written in the call.
	Source string `json:"Source"`
	// Version is the version a registry source resolved to, "" otherwise.
	Version string `json:"Version,omitempty"`
	// Dir is the module's directory, relative to the modules directory
	// (or absolute).
	Dir string `json:"Dir"`
}

// ReadManifest reads dir/modules.json. A missing file is an empty manifest.
func ReadManifest(dir string) (*Manifest, error) {
	m := &Manifest{}
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("%s: %w (remove it and run indigo init)", filepath.Join(dir, ManifestFile), err)
	}
	return m, nil
}

// Write writes the manifest to dir/modules.json atomically.
func (m *Manifest) Write(dir string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(dir, ManifestFile+".tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, ManifestFile))
}

// Record returns the record of key, or nil.
func (m *Manifest) Record(key string) *Record {
	for i := range m.Modules {
		if m.Modules[i].Key == key {
			return &m.Modules[i]
		}
	}
	return nil
}

// Resolver returns a function for lang/hcl's Loader.Modules that finds
// each module call where this manifest says init installed it, base being
// the modules directory. A call init has not installed, or installed from
// another source, is an error at the call's source that says to run init.
func (m *Manifest) Resolver(base string) func(key string, call *config.ModuleCall) (string, hcl.Diagnostics) {
	return func(key string, call *config.ModuleCall) (string, hcl.Diagnostics) {
		r := m.Record(key)
		diag := func(summary, detail string) hcl.Diagnostics {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: call.SourceRange.Ptr()}}
		}
		if _, err := Parse(call.SourceAddr); err != nil {
			return "", diag("Invalid module source", strings.ToUpper(err.Error()[:1])+err.Error()[1:]+".")
		}
		if r == nil {
			return "", diag("Module not installed", fmt.Sprintf("Module %q has source %q, which init has not installed. Run indigo init to download it.", key, call.SourceAddr))
		}
		if r.Source != call.SourceAddr {
			return "", diag("Module source changed", fmt.Sprintf("Module %q has source %q, but init installed it from %q. Run indigo init to install the new source.", key, call.SourceAddr, r.Source))
		}
		if r.Version != "" && call.Version.Required != "" {
			v, verr := install.ParseVersion(r.Version)
			c, cerr := install.ParseConstraints(call.Version.Required)
			if verr == nil && cerr == nil && !c.Allows(v) {
				return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Module version requirement changed",
					Detail:  fmt.Sprintf("Module %q is installed at version %s, which the constraint %q does not allow. Run indigo init to install a version it allows.", key, r.Version, call.Version.Required),
					Subject: call.Version.Range.Ptr()}}
			}
		}
		dir := r.Dir
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(base, filepath.FromSlash(dir))
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return "", diag("Installed module missing", fmt.Sprintf("Module %q was installed into %s, which is gone. Run indigo init to install it again.", key, dir))
		}
		return dir, nil
	}
}
