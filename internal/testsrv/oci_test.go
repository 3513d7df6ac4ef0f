package testsrv

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBusyboxImage checks that the image is a valid OCI layout for the
// real tools: skopeo inspects it and umoci unpacks it without root.
func TestBusyboxImage(t *testing.T) {
	ref := BusyboxImage(t)
	for _, tool := range []string{"skopeo", "umoci"} {
		if _, err := exec.LookPath(tool); err != nil {
			Missing(t, tool+" is not installed: apt-get install -y skopeo umoci")
		}
	}
	out, err := exec.Command("skopeo", "inspect", "--raw", ref).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "application/vnd.oci.image.manifest.v1+json") {
		t.Fatalf("skopeo inspect %s: %v\n%s", ref, err, out)
	}
	layout := strings.TrimSuffix(strings.TrimPrefix(ref, "oci:"), ":latest")
	bundle := filepath.Join(t.TempDir(), "bundle")
	if out, err := exec.Command("umoci", "unpack", "--rootless", "--image", layout+":latest", bundle).CombinedOutput(); err != nil {
		t.Fatalf("umoci unpack: %v\n%s", err, out)
	}
	out, err = exec.Command(filepath.Join(bundle, "rootfs", "bin", "sh"), "-c", "cat /dev/null && echo ok").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("the image's /bin/sh: %v\n%s", err, out)
	}

	// The same content gives the same digest; other content another one.
	dir := t.TempDir()
	a, err := WriteBusyboxImage(dir, "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := WriteBusyboxImage(dir, "b", nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := WriteBusyboxImage(dir, "a", map[string]string{"/etc/version": "2\n"})
	if err != nil {
		t.Fatal(err)
	}
	if a != b || a == c {
		t.Errorf("digests: a %s, b %s (same content), a again %s (new content)", a, b, c)
	}
	out, err = exec.Command("skopeo", "inspect", "--format", "{{.Digest}}", "oci:"+dir+":a").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != c {
		t.Errorf("skopeo sees tag a at %s (%v), want %s", out, err, c)
	}
}
