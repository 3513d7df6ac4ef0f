// Command release builds terraform-provider-indigo for release: the zip
// archive Terraform and OpenTofu install
// (terraform-provider-indigo_VERSION_OS_ARCH.zip, holding
// terraform-provider-indigo_vVERSION), the protocol manifest
// (terraform-provider-indigo_VERSION_manifest.json), and
// terraform-provider-indigo_VERSION_SHA256SUMS over both. With -mirror it
// also lays them out as a provider mirror: the directory works as a
// filesystem_mirror, and served over HTTPS as a network_mirror (it holds
// the index.json and VERSION.json of the network mirror protocol, with h1:
// and zh: hashes).
//
//	go run ./cmd/terraform-provider-indigo/internal/release -version 0.1.0 -out dist -mirror dist/mirror
//
// With -gpg-key it signs SHA256SUMS (SHA256SUMS.sig), as the Terraform
// Registry requires. `make release-provider VERSION=0.1.0` runs it
// (GPG_KEY=key.asc to sign).
package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/indigo-cloud/indigo/providers/install"
)

// Provider's source address parts. "indigo-cloud/indigo" means
// registry.terraform.io/indigo-cloud/indigo to Terraform and
// registry.opentofu.org/indigo-cloud/indigo to OpenTofu: a mirror holds
// the provider under both.
const (
	namespace = "indigo-cloud"
	typeName  = "indigo"
)

var hostnames = []string{"registry.terraform.io", "registry.opentofu.org"}

func main() {
	version := flag.String("version", "", "the release's version, e.g. 0.1.0 (required)")
	out := flag.String("out", "dist", "where the archives go")
	goos := flag.String("os", runtime.GOOS, "target operating system")
	goarch := flag.String("arch", runtime.GOARCH, "target architecture")
	mirror := flag.String("mirror", "", "also lay the release out as a provider mirror in this directory")
	gpgKey := flag.String("gpg-key", "", "an ASCII-armored GPG private key (unencrypted) to sign SHA256SUMS with, as the Terraform Registry requires")
	flag.Parse()
	if *version == "" || strings.HasPrefix(*version, "v") {
		fmt.Fprintln(os.Stderr, "release: give -version as MAJOR.MINOR.PATCH without a leading v, e.g. -version 0.1.0")
		os.Exit(2)
	}
	r, err := Build(*version, *goos, *goarch, *out)
	if err == nil && *gpgKey != "" {
		var f *os.File
		if f, err = os.Open(*gpgKey); err == nil {
			var keys openpgp.EntityList
			keys, err = openpgp.ReadArmoredKeyRing(f)
			f.Close()
			if err == nil && len(keys) > 0 {
				err = r.Sign(keys[0])
			}
		}
	}
	if err == nil && *mirror != "" {
		err = r.Mirror(*mirror)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
	for _, f := range []string{r.Zip, r.Manifest, r.Sums, r.Sig} {
		if f != "" {
			fmt.Println(f)
		}
	}
}

// Release is what Build wrote.
type Release struct {
	Version, OS, Arch string
	// Zip, Manifest and Sums are the paths of the archive, the manifest
	// and the SHA256SUMS file; Sig the detached signature of Sums, once
	// signed.
	Zip, Manifest, Sums, Sig string
	// H1 is the archive's content hash (h1:...), ZH its zip hash (zh:...),
	// as lock files record them.
	H1, ZH string
}

// Build compiles the provider for goos/goarch and writes the release
// files into out.
func Build(version, goos, goarch, out string) (*Release, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "indigo-release-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	binName := fmt.Sprintf("terraform-provider-%s_v%s", typeName, version)
	bin := filepath.Join(work, binName)
	cmd := exec.Command(goTool(), "build", "-trimpath", "-ldflags", "-s -w -X main.version="+version, "-o", bin, "github.com/indigo-cloud/indigo/cmd/terraform-provider-indigo")
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the provider: %v\n%s", err, b)
	}
	r := &Release{Version: version, OS: goos, Arch: goarch,
		Zip:      filepath.Join(out, fmt.Sprintf("terraform-provider-%s_%s_%s_%s.zip", typeName, version, goos, goarch)),
		Manifest: filepath.Join(out, fmt.Sprintf("terraform-provider-%s_%s_manifest.json", typeName, version)),
		Sums:     filepath.Join(out, fmt.Sprintf("terraform-provider-%s_%s_SHA256SUMS", typeName, version)),
	}
	if err := writeZip(r.Zip, bin, binName); err != nil {
		return nil, err
	}
	manifest := []byte("{\n  \"version\": 1,\n  \"metadata\": {\n    \"protocol_versions\": [\"6.0\"]\n  }\n}\n")
	if err := os.WriteFile(r.Manifest, manifest, 0o644); err != nil {
		return nil, err
	}
	var sums strings.Builder
	for _, f := range []string{r.Zip, r.Manifest} {
		sum, err := sha256File(f)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&sums, "%s  %s\n", sum, filepath.Base(f))
	}
	if err := os.WriteFile(r.Sums, []byte(sums.String()), 0o644); err != nil {
		return nil, err
	}
	zh, err := install.HashZipFile(r.Zip)
	if err != nil {
		return nil, err
	}
	// h1: hashes the files in the archive, as the installed directory.
	h1, err := dirhash.HashZip(r.Zip, dirhash.Hash1)
	if err != nil {
		return nil, err
	}
	r.H1, r.ZH = h1, zh.String()
	return r, nil
}

// Sign writes SHA256SUMS.sig, a detached binary GPG signature of the
// SHA256SUMS file by key: what a registry serves as shasums_signature_url,
// and what lets Terraform record the zh: hashes of every archive listed.
func (r *Release) Sign(key *openpgp.Entity) error {
	sums, err := os.Open(r.Sums)
	if err != nil {
		return err
	}
	defer sums.Close()
	var sig bytes.Buffer
	if err := openpgp.DetachSign(&sig, key, sums, nil); err != nil {
		return fmt.Errorf("signing %s: %w", r.Sums, err)
	}
	r.Sig = r.Sums + ".sig"
	return os.WriteFile(r.Sig, sig.Bytes(), 0o644)
}

// goTool is the go command of the toolchain running this program.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func writeZip(path, bin, name string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	src, err := os.Open(bin)
	if err != nil {
		f.Close()
		return err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		f.Close()
		return err
	}
	hdr, err := zip.FileInfoHeader(st)
	if err != nil {
		f.Close()
		return err
	}
	hdr.Name, hdr.Method = name, zip.Deflate
	// A fixed time keeps the archive, and its zh: hash, reproducible.
	hdr.Modified = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	w, err := zw.CreateHeader(hdr)
	if err == nil {
		_, err = io.Copy(w, src)
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Mirror copies the archive into dir in the packed layout of a provider
// mirror (HOSTNAME/NAMESPACE/TYPE/ARCHIVE.zip) and writes the network
// mirror protocol's index.json (merged with versions already there) and
// VERSION.json, for each of hostnames.
func (r *Release) Mirror(dir string) error {
	for _, h := range hostnames {
		if err := r.mirror(filepath.Join(dir, h, namespace, typeName)); err != nil {
			return err
		}
	}
	return nil
}

func (r *Release) mirror(base string) error {
	if err := os.MkdirAll(base, 0o755); err != nil {
		return err
	}
	b, err := os.ReadFile(r.Zip)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(base, filepath.Base(r.Zip)), b, 0o644); err != nil {
		return err
	}
	type archive struct {
		URL    string   `json:"url"`
		Hashes []string `json:"hashes"`
	}
	var ver struct {
		Archives map[string]archive `json:"archives"`
	}
	verPath := filepath.Join(base, r.Version+".json")
	if old, err := os.ReadFile(verPath); err == nil {
		_ = json.Unmarshal(old, &ver)
	}
	if ver.Archives == nil {
		ver.Archives = map[string]archive{}
	}
	ver.Archives[r.OS+"_"+r.Arch] = archive{URL: filepath.Base(r.Zip), Hashes: []string{r.H1, r.ZH}}
	if err := writeJSON(verPath, ver); err != nil {
		return err
	}
	var index struct {
		Versions map[string]struct{} `json:"versions"`
	}
	indexPath := filepath.Join(base, "index.json")
	if old, err := os.ReadFile(indexPath); err == nil {
		_ = json.Unmarshal(old, &index)
	}
	if index.Versions == nil {
		index.Versions = map[string]struct{}{}
	}
	index.Versions[r.Version] = struct{}{}
	return writeJSON(indexPath, index)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
