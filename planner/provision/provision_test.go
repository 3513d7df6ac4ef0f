package provision

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// value builds an object of spec's type: attrs as given, the rest null.
func value(spec hcldec.Spec, attrs map[string]cty.Value) cty.Value {
	ty := hcldec.ImpliedType(spec)
	vals := map[string]cty.Value{}
	for name, at := range ty.AttributeTypes() {
		if v, ok := attrs[name]; ok {
			vals[name] = v
		} else {
			vals[name] = cty.NullVal(at)
		}
	}
	return cty.ObjectVal(vals)
}

func cfg(kind string, attrs map[string]cty.Value) cty.Value {
	s, _ := Spec(kind)
	return value(s, attrs)
}

// lines collects output lines.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) out(s string) { l.mu.Lock(); l.l = append(l.l, s); l.mu.Unlock() }
func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.l, "\n")
}

func TestLocalExec(t *testing.T) {
	dir := t.TempDir()
	var out lines
	err := Run(context.Background(), "local-exec", cfg("local-exec", map[string]cty.Value{
		"command":     cty.StringVal(`echo "$GREETING from $(pwd)" > made.txt; echo done; echo oops >&2`),
		"working_dir": cty.StringVal(dir),
		"environment": cty.MapVal(map[string]cty.Value{"GREETING": cty.StringVal("hi")}),
	}), cty.NilVal, out.out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "made.txt"))
	if err != nil || string(b) != "hi from "+dir+"\n" {
		t.Errorf("made.txt: %q, %v", b, err)
	}
	if got := out.String(); !strings.Contains(got, "done") || !strings.Contains(got, "oops") {
		t.Errorf("output %q lacks stdout and stderr", got)
	}

	// An interpreter other than the shell.
	out = lines{}
	err = Run(context.Background(), "local-exec", cfg("local-exec", map[string]cty.Value{
		"command":     cty.StringVal("print('from', 'python')"),
		"interpreter": cty.ListVal([]cty.Value{cty.StringVal("python3"), cty.StringVal("-c")}),
	}), cty.NilVal, out.out)
	if err != nil || out.String() != "from python" {
		t.Errorf("python interpreter: %q, %v", out.String(), err)
	}

	// A failing command is an error; quiet hides the output and the command.
	out = lines{}
	err = Run(context.Background(), "local-exec", cfg("local-exec", map[string]cty.Value{
		"command": cty.StringVal("echo secret-ish; exit 3"),
		"quiet":   cty.True,
	}), cty.NilVal, out.out)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || strings.Contains(err.Error(), "secret-ish") {
		t.Errorf("failing quiet command: %v", err)
	}
	if out.String() != "" {
		t.Errorf("quiet showed %q", out.String())
	}
}

func TestSSHProvisioners(t *testing.T) {
	s := testsrv.StartSSHD(t)
	remote := t.TempDir() // the server is this machine
	conn := value(ConnectionSpec, map[string]cty.Value{
		"host": cty.StringVal(s.Host), "port": cty.NumberIntVal(int64(s.Port)), "user": cty.StringVal(s.User),
		"private_key": cty.StringVal(s.PrivateKey), "host_key": cty.StringVal(s.HostKey), "timeout": cty.StringVal("10s"),
	})
	ctx := context.Background()

	// file: content, a file, a directory with and without a trailing slash.
	local := t.TempDir()
	if err := os.MkdirAll(filepath.Join(local, "conf", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"one.txt": "one\n", "conf/a.txt": "a\n", "conf/sub/b.txt": "b\n"} {
		if err := os.WriteFile(filepath.Join(local, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []map[string]cty.Value{
		{"content": cty.StringVal("hello\n"), "destination": cty.StringVal(remote + "/new/hello.txt")},
		{"source": cty.StringVal(local + "/one.txt"), "destination": cty.StringVal(remote + "/one.txt")},
		{"source": cty.StringVal(local + "/conf"), "destination": cty.StringVal(remote + "/under")},
		{"source": cty.StringVal(local + "/conf/"), "destination": cty.StringVal(remote + "/flat")},
	} {
		if err := Run(ctx, "file", cfg("file", c), conn, nil); err != nil {
			t.Fatalf("file %v: %v", c, err)
		}
	}
	for name, want := range map[string]string{"new/hello.txt": "hello\n", "one.txt": "one\n", "under/conf/a.txt": "a\n", "under/conf/sub/b.txt": "b\n", "flat/a.txt": "a\n", "flat/sub/b.txt": "b\n"} {
		if b, err := os.ReadFile(filepath.Join(remote, name)); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v", name, b, err)
		}
	}

	// remote-exec: inline, script and scripts, in order.
	script := filepath.Join(local, "s.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho script >> "+remote+"/log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out lines
	for _, c := range []map[string]cty.Value{
		{"inline": cty.ListVal([]cty.Value{cty.StringVal("echo inline >> " + remote + "/log"), cty.StringVal("echo said hello")})},
		{"script": cty.StringVal(script)},
		{"scripts": cty.ListVal([]cty.Value{cty.StringVal(script), cty.StringVal(script)})},
	} {
		if err := Run(ctx, "remote-exec", cfg("remote-exec", c), conn, out.out); err != nil {
			t.Fatalf("remote-exec %v: %v", c, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(remote, "log")); string(b) != "inline\nscript\nscript\nscript\n" {
		t.Errorf("log: %q", b)
	}
	if out.String() != "said hello" {
		t.Errorf("remote output %q", out.String())
	}
	err := Run(ctx, "remote-exec", cfg("remote-exec", map[string]cty.Value{"inline": cty.ListVal([]cty.Value{cty.StringVal("exit 4")})}), conn, nil)
	if err == nil || !strings.Contains(err.Error(), "status 4") {
		t.Errorf("failing remote script: %v", err)
	}

	// A wrong host key is refused at once.
	bad := value(ConnectionSpec, map[string]cty.Value{
		"host": cty.StringVal(s.Host), "port": cty.NumberIntVal(int64(s.Port)), "user": cty.StringVal(s.User),
		"private_key": cty.StringVal(s.PrivateKey), "host_key": cty.StringVal("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"),
	})
	if err := Run(ctx, "remote-exec", cfg("remote-exec", map[string]cty.Value{"inline": cty.ListVal([]cty.Value{cty.StringVal("true")})}), bad, nil); err == nil || !strings.Contains(err.Error(), "host key") {
		t.Errorf("wrong host key: %v", err)
	}
	// A closed port gives up after the timeout.
	closed := value(ConnectionSpec, map[string]cty.Value{
		"host": cty.StringVal("127.0.0.1"), "port": cty.NumberIntVal(int64(testsrv.FreePort(t))), "user": cty.StringVal(s.User),
		"private_key": cty.StringVal(s.PrivateKey), "timeout": cty.StringVal("1s"),
	})
	if err := Run(ctx, "file", cfg("file", map[string]cty.Value{"content": cty.StringVal("x"), "destination": cty.StringVal(remote + "/x")}), closed, nil); err == nil || !strings.Contains(err.Error(), "gave up") {
		t.Errorf("closed port: %v", err)
	}
}
