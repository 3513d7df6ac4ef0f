// Package provision runs Terraform's built-in provisioners: local-exec on
// this machine, and file and remote-exec over an SSH connection.
package provision

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Output receives the provisioner's output, one line at a time.
type Output func(line string)

var specs = map[string]hcldec.ObjectSpec{
	"local-exec": {
		"command":     &hcldec.AttrSpec{Name: "command", Type: cty.String, Required: true},
		"working_dir": &hcldec.AttrSpec{Name: "working_dir", Type: cty.String},
		"interpreter": &hcldec.AttrSpec{Name: "interpreter", Type: cty.List(cty.String)},
		"environment": &hcldec.AttrSpec{Name: "environment", Type: cty.Map(cty.String)},
		"quiet":       &hcldec.AttrSpec{Name: "quiet", Type: cty.Bool},
	},
	"file": {
		"source":      &hcldec.AttrSpec{Name: "source", Type: cty.String},
		"content":     &hcldec.AttrSpec{Name: "content", Type: cty.String},
		"destination": &hcldec.AttrSpec{Name: "destination", Type: cty.String, Required: true},
	},
	"remote-exec": {
		"inline":  &hcldec.AttrSpec{Name: "inline", Type: cty.List(cty.String)},
		"script":  &hcldec.AttrSpec{Name: "script", Type: cty.String},
		"scripts": &hcldec.AttrSpec{Name: "scripts", Type: cty.List(cty.String)},
	},
}

// Spec is the schema of a provisioner's block; ok is false for a type
// indigo does not run.
func Spec(kind string) (hcldec.Spec, bool) {
	s, ok := specs[kind]
	return s, ok
}

// Kinds lists the provisioner types indigo runs.
func Kinds() []string { return []string{"file", "local-exec", "remote-exec"} }

// NeedsConnection reports whether a provisioner type works over a
// connection.
func NeedsConnection(kind string) bool { return kind == "file" || kind == "remote-exec" }

// ConnectionSpec is the schema of a connection block.
var ConnectionSpec hcldec.Spec = hcldec.ObjectSpec{
	"type":        &hcldec.AttrSpec{Name: "type", Type: cty.String},
	"host":        &hcldec.AttrSpec{Name: "host", Type: cty.String},
	"port":        &hcldec.AttrSpec{Name: "port", Type: cty.Number},
	"user":        &hcldec.AttrSpec{Name: "user", Type: cty.String},
	"password":    &hcldec.AttrSpec{Name: "password", Type: cty.String},
	"private_key": &hcldec.AttrSpec{Name: "private_key", Type: cty.String},
	"host_key":    &hcldec.AttrSpec{Name: "host_key", Type: cty.String},
	"timeout":     &hcldec.AttrSpec{Name: "timeout", Type: cty.String},
	"script_path": &hcldec.AttrSpec{Name: "script_path", Type: cty.String},
	"agent":       &hcldec.AttrSpec{Name: "agent", Type: cty.Bool},
}

// Run runs one provisioner with its evaluated configuration; conn is the
// evaluated connection block (null when there is none).
func Run(ctx context.Context, kind string, cfg, conn cty.Value, out Output) error {
	switch kind {
	case "local-exec":
		return localExec(ctx, cfg, out)
	case "file", "remote-exec":
		c, err := parseConnection(conn)
		if err != nil {
			return err
		}
		cl, err := dial(ctx, c)
		if err != nil {
			return err
		}
		defer cl.Close()
		if kind == "file" {
			return uploadFile(ctx, cl, cfg)
		}
		return remoteExec(ctx, cl, c, cfg, out)
	}
	return fmt.Errorf("provisioner %q is not one indigo runs (it runs %v)", kind, Kinds())
}

func str(v cty.Value, name string) string {
	a := v.GetAttr(name)
	if a.IsNull() || !a.IsKnown() {
		return ""
	}
	return a.AsString()
}

func strs(v cty.Value, name string) []string {
	a := v.GetAttr(name)
	if a.IsNull() || !a.IsKnown() {
		return nil
	}
	var out []string
	for it := a.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if !e.IsNull() {
			out = append(out, e.AsString())
		}
	}
	return out
}

// lineWriter turns written bytes into lines for out; Close flushes the
// last, unterminated line.
type lineWriter struct {
	mu  sync.Mutex
	pw  *io.PipeWriter
	wg  sync.WaitGroup
	out Output
}

func newLineWriter(out Output) *lineWriter {
	pr, pw := io.Pipe()
	w := &lineWriter{pw: pw, out: out}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			if out != nil {
				out(sc.Text())
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	return w
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pw.Write(p)
}

func (w *lineWriter) Close() error {
	err := w.pw.Close()
	w.wg.Wait()
	return err
}
