package testsrv

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHDInstall is how to get OpenSSH's server on the project's machines.
const SSHDInstall = "apt-get install -y openssh-server"

// SSHD is an OpenSSH server of its own on a free loopback port, with a
// generated host key and one authorized key for the current user.
type SSHD struct {
	Host string
	Port int
	// User is the account the key logs in to (the user running the test).
	User string
	// PrivateKey is the authorized client key, OpenSSH PEM.
	PrivateKey string
	// HostKey is the server's public key in authorized_keys form, for a
	// connection's host_key.
	HostKey string
	// Dir is the server's directory (configuration, keys, log).
	Dir string
}

// StartSSHD starts sshd for this test and stops it with t.Cleanup. It
// skips the test (see Missing) when openssh-server is not installed.
func StartSSHD(t testing.TB) *SSHD {
	t.Helper()
	bin, err := lookSbin("sshd")
	if err != nil {
		Missing(t, "OpenSSH's server is not installed (sshd not found); install it with: "+SSHDInstall)
		return nil
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := &SSHD{Host: "127.0.0.1", Port: FreePort(t), User: u.Username, Dir: dir}
	hostPub, err := writeKey(filepath.Join(dir, "host_key"))
	if err != nil {
		t.Fatal(err)
	}
	s.HostKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostPub)))
	clientPub, err := writeKey(filepath.Join(dir, "client_key"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(dir, "client_key"))
	if err != nil {
		t.Fatal(err)
	}
	s.PrivateKey = string(key)
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(clientPub), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// sshd started by root checks its privilege separation directory.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
AuthorizedKeysFile %s
PidFile %s
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
PrintMotd no
LogLevel ERROR
`, s.Port, filepath.Join(dir, "host_key"), filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "sshd.pid"))
	confPath := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	cmd := exec.Command(bin, "-D", "-e", "-f", confPath)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("sshd exited at start: %s", log.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), time.Second); err == nil {
			buf := make([]byte, 4)
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, _ := c.Read(buf)
			c.Close()
			if string(buf[:n]) == "SSH-" {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not answer on port %d: %s", s.Port, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeKey writes a new ed25519 private key in OpenSSH form to path and
// returns its public key.
func writeKey(path string) (ssh.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	blk, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(blk), 0o600); err != nil {
		return nil, err
	}
	return ssh.NewPublicKey(pub)
}
