package testsrv

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// BusyboxPath is where Debian's busybox-static puts its binary.
const BusyboxPath = "/bin/busybox"

// BusyboxIndex is the content of /www/index.html in the images
// WriteBusyboxImage writes: what `busybox httpd -h /www` answers on "/".
const BusyboxIndex = "hello from a rootless container\n"

// BusyboxImage returns an oci:DIR:TAG reference to an OCI image layout
// holding Debian's static busybox (see WriteBusyboxImage), built once per
// busybox binary under CacheDir()/oci. No registry is involved. The test
// is skipped (see Missing) when busybox-static is not installed.
func BusyboxImage(t testing.TB) string {
	t.Helper()
	sum, err := fileDigest(BusyboxPath)
	if err != nil {
		Missing(t, fmt.Sprintf("no %s: install it with: apt-get install -y busybox-static", BusyboxPath))
		return ""
	}
	dir := filepath.Join(CacheDir(), "oci", "busybox-"+sum[:16])
	if exists(filepath.Join(dir, "index.json")) {
		return "oci:" + dir + ":latest"
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	unlock, err := lockFile(dir + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if !exists(filepath.Join(dir, "index.json")) {
		tmp := dir + ".tmp"
		os.RemoveAll(tmp)
		if _, err := WriteBusyboxImage(tmp, "latest", nil); err != nil {
			os.RemoveAll(tmp)
			if errors.Is(err, errNotStatic) {
				Missing(t, err.Error())
				return ""
			}
			t.Fatalf("writing the busybox image: %v", err)
		}
		if err := os.Rename(tmp, dir); err != nil {
			t.Fatal(err)
		}
	}
	return "oci:" + dir + ":latest"
}

var errNotStatic = errors.New(BusyboxPath + " is not statically linked, so it cannot run inside a container's root file system: install Debian's static build with: apt-get install -y busybox-static")

// WriteBusyboxImage writes an image into the OCI image layout at dir
// (created, or added to when it exists) under tag, following the OCI
// image-layout specification: one gzipped layer with /bin/busybox (which
// must be static), a symbolic link per applet where `busybox --list-full`
// places it, /tmp, /www/index.html (BusyboxIndex) and the extra files
// (path in the image to content), and a config whose command is /bin/sh
// and PATH the usual one. The layer is reproducible (fixed times and
// owners), so the same busybox and extras give the same manifest digest,
// which it returns ("sha256:...").
func WriteBusyboxImage(dir, tag string, extra map[string]string) (string, error) {
	bin, err := os.ReadFile(BusyboxPath)
	if err != nil {
		return "", err
	}
	if f, err := elf.NewFile(bytes.NewReader(bin)); err != nil {
		return "", fmt.Errorf("%s: %w", BusyboxPath, err)
	} else {
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				return "", errNotStatic
			}
		}
	}
	out, err := exec.Command(BusyboxPath, "--list-full").Output()
	if err != nil {
		return "", fmt.Errorf("listing busybox's applets: %w", err)
	}
	applets := strings.Fields(string(out))
	sort.Strings(applets)

	var layer bytes.Buffer
	diffID := sha256.New()
	gz, _ := gzip.NewWriterLevel(&layer, gzip.BestSpeed)
	tw := tar.NewWriter(io.MultiWriter(gz, diffID))
	dirs := map[string]bool{}
	addDir := func(name string, mode int64) error {
		if dirs[name] {
			return nil
		}
		dirs[name] = true
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, Format: tar.FormatPAX})
	}
	parents := func(p string) error {
		parts := strings.Split(p, "/")
		for i := 1; i < len(parts); i++ {
			if err := addDir(strings.Join(parts[:i], "/"), 0o755); err != nil {
				return err
			}
		}
		return nil
	}
	addFile := func(name string, data []byte, mode int64) error {
		if err := parents(name); err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "usr", "usr/bin", "usr/sbin", "sbin", "www"} {
		if err := addDir(d, 0o755); err != nil {
			return "", err
		}
	}
	if err := addDir("tmp", 0o1777); err != nil {
		return "", err
	}
	if err := addFile("bin/busybox", bin, 0o755); err != nil {
		return "", err
	}
	for _, a := range applets {
		a = strings.TrimPrefix(a, "/")
		if a == "bin/busybox" || a == "" {
			continue
		}
		if err := parents(a); err != nil {
			return "", err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: a, Linkname: "/bin/busybox", Mode: 0o777, Format: tar.FormatPAX}); err != nil {
			return "", err
		}
	}
	files := map[string]string{
		"www/index.html": BusyboxIndex,
		"etc/passwd":     "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
		"etc/group":      "root:x:0:\nnogroup:x:65534:\n",
	}
	for k, v := range extra {
		files[strings.TrimPrefix(k, "/")] = v
	}
	names := make([]string, 0, len(files))
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := addFile(n, []byte(files[n]), 0o644); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	if err := gz.Close(); err != nil {
		return "", err
	}

	arch := runtime.GOARCH
	config, _ := json.Marshal(map[string]any{
		"architecture": arch,
		"os":           "linux",
		"config": map[string]any{
			"Env":        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			"Cmd":        []string{"/bin/sh"},
			"WorkingDir": "/",
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diffID.Sum(nil))}},
	})
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return "", err
	}
	layerDesc, err := writeBlob(dir, "application/vnd.oci.image.layer.v1.tar+gzip", layer.Bytes())
	if err != nil {
		return "", err
	}
	configDesc, err := writeBlob(dir, "application/vnd.oci.image.config.v1+json", config)
	if err != nil {
		return "", err
	}
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        configDesc,
		"layers":        []ociDescriptor{layerDesc},
	})
	manifestDesc, err := writeBlob(dir, "application/vnd.oci.image.manifest.v1+json", manifest)
	if err != nil {
		return "", err
	}
	manifestDesc.Annotations = map[string]string{"org.opencontainers.image.ref.name": tag}
	manifestDesc.Platform = map[string]string{"architecture": arch, "os": "linux"}

	var index struct {
		SchemaVersion int             `json:"schemaVersion"`
		MediaType     string          `json:"mediaType,omitempty"`
		Manifests     []ociDescriptor `json:"manifests"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "index.json")); err == nil {
		if err := json.Unmarshal(b, &index); err != nil {
			return "", fmt.Errorf("%s/index.json: %w", dir, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	index.SchemaVersion, index.MediaType = 2, "application/vnd.oci.image.index.v1+json"
	kept := index.Manifests[:0]
	for _, m := range index.Manifests {
		if m.Annotations["org.opencontainers.image.ref.name"] != tag {
			kept = append(kept, m)
		}
	}
	index.Manifests = append(kept, manifestDesc)
	ib, _ := json.Marshal(index)
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		return "", err
	}
	if err := writeReplace(filepath.Join(dir, "index.json"), ib); err != nil {
		return "", err
	}
	return manifestDesc.Digest, nil
}

type ociDescriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    map[string]string `json:"platform,omitempty"`
}

func writeBlob(dir, mediaType string, data []byte) (ociDescriptor, error) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", h), data, 0o644); err != nil {
		return ociDescriptor{}, err
	}
	return ociDescriptor{MediaType: mediaType, Digest: "sha256:" + h, Size: int64(len(data))}, nil
}

// writeReplace replaces name with data by renaming a temporary file over
// it, so a reader never sees half an index.
func writeReplace(name string, data []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

func fileDigest(name string) (string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
