package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// secretSettings are the backend settings -backend-config may give that
// are never recorded: later runs take them from the environment.
var secretSettings = map[string]bool{"access_key": true, "secret_key": true, "token": true, "conn_str": true}

// backendOverrides returns the -backend-config settings: those of this
// run's flags when init was given some, else those init recorded. Secret
// ones come apart: they are used, never recorded (a connection string is
// recorded without its password).
func (w *workspace) backendOverrides() (plain, secret map[string]string, err error) {
	if len(w.a.tf.backendConfig) == 0 {
		rec, err := readBackendRecord(w.dir)
		if err != nil || rec == nil {
			return nil, nil, err
		}
		return rec.overrides, nil, nil
	}
	all := map[string]string{}
	for _, arg := range w.a.tf.backendConfig {
		if k, v, ok := strings.Cut(arg, "="); ok && !strings.ContainsAny(k, " \t\n/") {
			all[strings.TrimSpace(k)] = v
			continue
		}
		got, err := readBackendConfigFile(arg)
		if err != nil {
			return nil, nil, &exitError{code: 1, msg: err.Error()}
		}
		for k, v := range got {
			all[k] = v
		}
	}
	plain, secret = map[string]string{}, map[string]string{}
	for k, v := range all {
		switch {
		case k == "conn_str":
			secret[k] = v
			plain[k] = redactConnString(v)
		case secretSettings[k]:
			secret[k] = v
		default:
			plain[k] = v
		}
	}
	return plain, secret, nil
}

// readBackendConfigFile reads a -backend-config file: HCL attributes whose
// values are constants (bucket = "state", create_bucket = true).
func readBackendConfigFile(path string) (map[string]string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-backend-config=%s is neither KEY=VALUE nor a readable file: %s", path, err)
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("-backend-config file %s: %s", path, diags.Error())
	}
	attrs, diags := f.Body.JustAttributes()
	if diags.HasErrors() {
		return nil, fmt.Errorf("-backend-config file %s: %s", path, diags.Error())
	}
	out := map[string]string{}
	for name, attr := range attrs {
		v, diags := attr.Expr.Value(nil)
		if diags.HasErrors() {
			return nil, fmt.Errorf("-backend-config file %s: %s", path, diags.Error())
		}
		sv, err := convert.Convert(v, cty.String)
		if err != nil || sv.IsNull() {
			r := attr.Expr.Range()
			return nil, fmt.Errorf("%s:%d:%d: %s must be a string, number or bool", path, r.Start.Line, r.Start.Column, name)
		}
		out[name] = sv.AsString()
	}
	return out, nil
}

// firstOverride returns key's value in the first map that has it.
func firstOverride(key string, maps ...map[string]string) (string, bool) {
	for _, m := range maps {
		if v, ok := m[key]; ok {
			return v, true
		}
	}
	return "", false
}
