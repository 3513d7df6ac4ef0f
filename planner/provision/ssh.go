package provision

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"
	"golang.org/x/crypto/ssh"
)

// connection is an evaluated connection block.
type connection struct {
	host, user, password, privateKey, hostKey, scriptPath string
	port                                                  int
	timeout                                               time.Duration
}

func parseConnection(v cty.Value) (*connection, error) {
	if v == cty.NilVal || v.IsNull() {
		return nil, fmt.Errorf("no connection block: file and remote-exec need one (in the resource or the provisioner) with host and user")
	}
	if t := str(v, "type"); t != "" && t != "ssh" {
		return nil, fmt.Errorf("connection type %q is not supported: indigo connects with ssh", t)
	}
	c := &connection{
		host: str(v, "host"), user: str(v, "user"), password: str(v, "password"),
		privateKey: str(v, "private_key"), hostKey: str(v, "host_key"),
		scriptPath: str(v, "script_path"), port: 22, timeout: 5 * time.Minute,
	}
	if c.host == "" {
		return nil, fmt.Errorf("the connection has no host: set host in the connection block")
	}
	if c.user == "" {
		c.user = "root"
	}
	if p := v.GetAttr("port"); !p.IsNull() && p.IsKnown() {
		bf := p.AsBigFloat()
		n, _ := bf.Int64()
		c.port = int(n)
	}
	if t := str(v, "timeout"); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil {
			return nil, fmt.Errorf("connection timeout %q is not a duration such as \"30s\" or \"5m\"", t)
		}
		c.timeout = d
	}
	if c.scriptPath == "" {
		c.scriptPath = "/tmp/indigo_%RAND%.sh"
	}
	return c, nil
}

// dial connects, retrying until the connection's timeout: a machine just
// created may not answer yet.
func dial(ctx context.Context, c *connection) (*ssh.Client, error) {
	cfg := &ssh.ClientConfig{User: c.user, Timeout: 10 * time.Second}
	if c.privateKey != "" {
		signer, err := ssh.ParsePrivateKey([]byte(c.privateKey))
		if err != nil {
			return nil, fmt.Errorf("the connection's private_key cannot be read: %v", err)
		}
		cfg.Auth = append(cfg.Auth, ssh.PublicKeys(signer))
	}
	if c.password != "" {
		cfg.Auth = append(cfg.Auth, ssh.Password(c.password))
	}
	if len(cfg.Auth) == 0 {
		return nil, fmt.Errorf("the connection has neither private_key nor password")
	}
	if c.hostKey != "" {
		want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(c.hostKey))
		if err != nil {
			return nil, fmt.Errorf("the connection's host_key cannot be read: %v", err)
		}
		cfg.HostKeyCallback = ssh.FixedHostKey(want)
	} else {
		cfg.HostKeyCallback = ssh.InsecureIgnoreHostKey() //nolint:gosec // as Terraform without host_key
	}
	addr := net.JoinHostPort(c.host, strconv.Itoa(c.port))
	deadline := time.Now().Add(c.timeout)
	for {
		d := net.Dialer{Timeout: cfg.Timeout}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			sc, chans, reqs, herr := ssh.NewClientConn(conn, addr, cfg)
			if herr == nil {
				return ssh.NewClient(sc, chans, reqs), nil
			}
			conn.Close()
			err = herr
			if strings.Contains(herr.Error(), "unable to authenticate") || strings.Contains(herr.Error(), "host key mismatch") {
				return nil, fmt.Errorf("ssh to %s as %s: %v", addr, c.user, err)
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("ssh to %s as %s: %v (gave up after %s; raise the connection's timeout if the machine is slow to start)", addr, c.user, err, c.timeout)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// run runs a shell command remotely with stdin, sending its output to w.
func run(ctx context.Context, cl *ssh.Client, command string, stdin io.Reader, w io.Writer) error {
	s, err := cl.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	s.Stdin = stdin
	// The session copies stdout and stderr in goroutines of their own:
	// one writer for both must take turns.
	lw := &lockedWriter{w: w}
	s.Stdout, s.Stderr = lw, lw
	done := make(chan error, 1)
	go func() { done <- s.Run(command) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = s.Signal(ssh.SIGTERM)
		return ctx.Err()
	}
}

// lockedWriter serialises writes from a session's stdout and stderr
// copies.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// quote quotes s for a POSIX shell.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// put writes data to a remote file, creating its directory.
func put(ctx context.Context, cl *ssh.Client, dest string, data []byte, mode os.FileMode) error {
	var stderr bytes.Buffer
	cmd := fmt.Sprintf("mkdir -p %s && cat > %s && chmod %o %s", quote(path.Dir(dest)), quote(dest), mode.Perm(), quote(dest))
	if err := run(ctx, cl, cmd, bytes.NewReader(data), &stderr); err != nil {
		return fmt.Errorf("writing %s: %v %s", dest, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// uploadFile is the file provisioner: content, or a local file or
// directory (source), to destination. A directory source without a
// trailing slash goes into destination under its own name; with one,
// its contents go into destination.
func uploadFile(ctx context.Context, cl *ssh.Client, cfg cty.Value) error {
	dest := str(cfg, "destination")
	src := str(cfg, "source")
	if c := cfg.GetAttr("content"); !c.IsNull() {
		if src != "" {
			return fmt.Errorf("the file provisioner takes source or content, not both")
		}
		return put(ctx, cl, dest, []byte(c.AsString()), 0o644)
	}
	if src == "" {
		return fmt.Errorf("the file provisioner needs source or content")
	}
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		return put(ctx, cl, dest, data, st.Mode())
	}
	base := dest
	if !strings.HasSuffix(src, "/") {
		base = path.Join(dest, filepath.Base(src))
	}
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return put(ctx, cl, path.Join(base, filepath.ToSlash(rel)), data, info.Mode())
	})
}

// remoteExec is the remote-exec provisioner: the inline commands as one
// script, or each local script, uploaded to the connection's script_path
// and run there; a non-zero exit fails it.
func remoteExec(ctx context.Context, cl *ssh.Client, c *connection, cfg cty.Value, out Output) error {
	var scripts [][]byte
	if inline := strs(cfg, "inline"); len(inline) > 0 {
		scripts = append(scripts, []byte("#!/bin/sh\n"+strings.Join(inline, "\n")+"\n"))
	}
	files := strs(cfg, "scripts")
	if s := str(cfg, "script"); s != "" {
		files = append([]string{s}, files...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		scripts = append(scripts, data)
	}
	if len(scripts) == 0 {
		return fmt.Errorf("remote-exec needs inline, script or scripts")
	}
	for _, s := range scripts {
		var rnd [4]byte
		_, _ = rand.Read(rnd[:])
		p := strings.ReplaceAll(c.scriptPath, "%RAND%", hex.EncodeToString(rnd[:]))
		if err := put(ctx, cl, p, s, 0o700); err != nil {
			return err
		}
		w := newLineWriter(out)
		err := run(ctx, cl, quote(p)+"; rc=$?; rm -f "+quote(p)+"; exit $rc", nil, w)
		_ = w.Close()
		if err != nil {
			if ee, ok := err.(*ssh.ExitError); ok {
				return fmt.Errorf("the remote script exited with status %d", ee.ExitStatus())
			}
			return err
		}
	}
	return nil
}
