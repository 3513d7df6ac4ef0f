package testsrv

import (
	"strconv"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestSSHD(t *testing.T) {
	s := StartSSHD(t)
	signer, err := ssh.ParsePrivateKey([]byte(s.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	hk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.HostKey))
	if err != nil {
		t.Fatal(err)
	}
	cl, err := ssh.Dial("tcp", s.Host+":"+strconv.Itoa(s.Port), &ssh.ClientConfig{User: s.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: ssh.FixedHostKey(hk)})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	sess, err := cl.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	out, err := sess.Output("echo hello")
	if err != nil || string(out) != "hello\n" {
		t.Fatalf("echo over ssh: %q, %v", out, err)
	}
}
