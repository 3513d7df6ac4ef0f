package main

import (
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
)

// encryption decodes the configuration's encryption block merged with
// TF_ENCRYPTION (package state/encrypt), once per workspace. It returns
// nil when neither configures encryption.
func (w *workspace) encryption() (*encrypt.Config, error) {
	if w.encDone {
		return w.enc, nil
	}
	var body hcl.Body
	if w.res != nil && w.res.Config != nil && w.res.Config.Module.Settings.Encryption != nil {
		body = w.res.Config.Module.Settings.Encryption.Config
	}
	c, diags := encrypt.Load(body, os.Getenv)
	if diags.HasErrors() {
		w.diags(diags)
		return nil, exitCode(1)
	}
	if len(diags) > 0 {
		w.diags(diags)
	}
	w.enc, w.encDone = c, true
	return c, nil
}

// stateEncryption is the state target of the encryption configuration
// (nil: state in clear).
func (w *workspace) stateEncryption() (*encrypt.Target, error) {
	c, err := w.encryption()
	if c == nil || err != nil {
		return nil, err
	}
	return c.State, nil
}

// planEncryption is the plan target of the encryption configuration
// (nil: plan files in clear).
func (w *workspace) planEncryption() (*encrypt.Target, error) {
	c, err := w.encryption()
	if c == nil || err != nil {
		return nil, err
	}
	return c.Plan, nil
}

// setEncryption gives backend b the state target t.
func setEncryption(b state.Backend, t *encrypt.Target) {
	if s, ok := b.(interface{ SetEncryption(*encrypt.Target) }); ok && t != nil {
		s.SetEncryption(t)
	}
}

// sealPlanFile seals a plan file's bytes with the plan target.
func (w *workspace) sealPlanFile(data []byte) ([]byte, error) {
	t, err := w.planEncryption()
	if err != nil || t == nil {
		return data, err
	}
	return t.Seal(data)
}

// openPlanFile returns the plain bytes of the plan file at path: opened
// with the plan target of w's encryption configuration, or, without a
// workspace (w nil), of the one in the current directory or TF_ENCRYPTION.
func (a *app) openPlanFile(path string, data []byte, w *workspace) ([]byte, error) {
	var t *encrypt.Target
	if w != nil {
		var err error
		if t, err = w.planEncryption(); err != nil {
			return nil, err
		}
	} else if encrypt.IsSealed(data) {
		if lw, err := a.loadWorkspace("."); err == nil && lw != nil {
			if t, err = lw.planEncryption(); err != nil {
				return nil, err
			}
		} else if c, diags := encrypt.Load(nil, os.Getenv); !diags.HasErrors() && c != nil {
			t = c.Plan
		}
	}
	if t == nil && !encrypt.IsSealed(data) {
		return data, nil
	}
	plain, _, err := t.Open(path, data)
	if err != nil {
		return nil, &exitError{code: 1, msg: err.Error()}
	}
	return plain, nil
}
