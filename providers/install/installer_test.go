package install

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
)

var demo = Provider{Hostname: "registry.example.com", Namespace: "acme", Type: "demo"}

func reqs(t *testing.T, pairs ...string) Requirements {
	t.Helper()
	r := make(Requirements)
	for i := 0; i < len(pairs); i += 2 {
		p, err := ParseProvider(pairs[i])
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseConstraints(pairs[i+1])
		if err != nil {
			t.Fatal(err)
		}
		r.Add(p, c)
	}
	return r
}

func directInstaller(t *testing.T, ts *testServer) *Installer {
	return &Installer{
		Sources:    Sources{Methods: []Method{{Kind: Direct}}},
		Dir:        filepath.Join(t.TempDir(), DefaultDir),
		HTTPClient: ts.client(),
	}
}

func TestInstallFromRegistry(t *testing.T) {
	ts := newTestServer(t)
	ts.addRelease(demo, "1.1.0")
	ts.addRelease(demo, "1.2.0")
	ts.addRelease(demo, "2.0.0")
	inst := directInstaller(t, ts)
	var ev events

	locks, installed, err := inst.Install(context.Background(), reqs(t, demo.String(), "~> 1.1"), nil, InstallOptions{Progress: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	if len(installed) != 1 {
		t.Fatalf("installed %d providers, want 1", len(installed))
	}
	got := installed[0]
	wantDir := filepath.Join(inst.Dir, "registry.example.com", "acme", "demo", "1.2.0", CurrentPlatform.String())
	if got.Dir != wantDir || got.Version.String() != "1.2.0" {
		t.Fatalf("installed %s in %s, want 1.2.0 in %s", got.Version, got.Dir, wantDir)
	}
	if out := runBinary(t, got.Executable); out != "terraform-provider-demo 1.2.0" {
		t.Errorf("installed binary prints %q", out)
	}
	wantAuth := "signed, key ID " + strings.ToUpper(ts.key.PrimaryKey.KeyIdString())
	if got.Auth != wantAuth {
		t.Errorf("auth = %q, want %q", got.Auth, wantAuth)
	}

	// The lock records the version, the canonical constraint, the h1 of
	// the installed package and the signed zh of every platform's zip.
	lp := locks.Provider(demo)
	if lp == nil || lp.Version.String() != "1.2.0" || lp.Constraints.String() != "~> 1.1" {
		t.Fatalf("lock = %+v", lp)
	}
	h1, err := HashDir(got.Dir)
	if err != nil {
		t.Fatal(err)
	}
	want := normalizeHashes([]Hash{
		h1,
		Hash("zh:" + sha256Hex(ts.zipFor(demo, "1.2.0", CurrentPlatform))),
		Hash("zh:" + sha256Hex(ts.zipFor(demo, "1.2.0", otherPlatform()))),
	})
	if !slices.Equal(lp.Hashes, want) {
		t.Errorf("lock hashes = %v, want %v", lp.Hashes, want)
	}
	wantEvents := `- Finding registry.example.com/acme/demo versions matching "~> 1.1"...
- Installing registry.example.com/acme/demo v1.2.0 from origin registry...
- Installed registry.example.com/acme/demo v1.2.0 (` + wantAuth + `)`
	if ev.String() != wantEvents {
		t.Errorf("events:\n%s\nwant:\n%s", ev.String(), wantEvents)
	}

	// Second run: locked and installed, so no request at all.
	before := ts.requestCount()
	var ev2 events
	locks2, installed2, err := inst.Install(context.Background(), reqs(t, demo.String(), "~> 1.1"), locks, InstallOptions{Progress: ev2.add})
	if err != nil {
		t.Fatal(err)
	}
	if n := ts.requestCount() - before; n != 0 {
		t.Errorf("second install made %d requests, want 0", n)
	}
	if !locks2.Equal(locks) {
		t.Errorf("lock changed on a no-op install:\n%s\nwas:\n%s", locks2.Bytes(), locks.Bytes())
	}
	if installed2[0].Executable != got.Executable {
		t.Errorf("second install returned %s", installed2[0].Executable)
	}
	wantEvents2 := "- Reusing previous version of registry.example.com/acme/demo from the dependency lock file\n" +
		"- Using previously-installed registry.example.com/acme/demo v1.2.0"
	if ev2.String() != wantEvents2 {
		t.Errorf("events:\n%s\nwant:\n%s", ev2.String(), wantEvents2)
	}

	// Find verifies the installed package against the lock.
	found, err := inst.Find(context.Background(), demo, locks2)
	if err != nil {
		t.Fatal(err)
	}
	if found.Executable != got.Executable {
		t.Errorf("Find = %s, want %s", found.Executable, got.Executable)
	}
}

func TestInstallUpgrade(t *testing.T) {
	ts := newTestServer(t)
	ts.addRelease(demo, "1.2.0")
	inst := directInstaller(t, ts)
	ctx := context.Background()
	r := reqs(t, demo.String(), ">= 1.0, < 2.0")

	locks, _, err := inst.Install(ctx, r, nil, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts.addRelease(demo, "1.3.0")
	ts.addRelease(demo, "2.0.0")

	// Without -upgrade the locked version stays.
	locks, installed, err := inst.Install(ctx, r, locks, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := installed[0].Version.String(); v != "1.2.0" {
		t.Fatalf("without upgrade installed %s, want 1.2.0", v)
	}

	// With -upgrade the newest allowed version is selected and locked
	// with its own hashes only.
	upgraded, installed, err := inst.Install(ctx, r, locks, InstallOptions{Upgrade: true})
	if err != nil {
		t.Fatal(err)
	}
	if v := installed[0].Version.String(); v != "1.3.0" {
		t.Fatalf("upgrade installed %s, want 1.3.0", v)
	}
	if out := runBinary(t, installed[0].Executable); out != "terraform-provider-demo 1.3.0" {
		t.Errorf("upgraded binary prints %q", out)
	}
	lp := upgraded.Provider(demo)
	if lp.Version.String() != "1.3.0" || len(lp.Hashes) != 3 {
		t.Errorf("upgraded lock = %s %v", lp.Version, lp.Hashes)
	}
	for _, h := range lp.Hashes {
		if slices.Contains(locks.Provider(demo).Hashes, h) {
			t.Errorf("upgraded lock kept the old version's hash %s", h)
		}
	}

	// A constraint the locked version no longer meets needs -upgrade.
	_, _, err = inst.Install(ctx, reqs(t, demo.String(), ">= 2.0"), upgraded, InstallOptions{})
	if err == nil || !strings.Contains(err.Error(), `the locked version 1.3.0 does not match the configured constraint ">= 2.0.0"; run "indigo init -upgrade"`) {
		t.Errorf("err = %v", err)
	}
}

func TestInstallRegistryRefusesBadPackages(t *testing.T) {
	other, err := openpgp.NewEntity("mallory", "", "mallory@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		setup   func(ts *testServer)
		wantErr string
	}{
		{"signed by an unlisted key", func(ts *testServer) { ts.signer = other }, "the signature of SHA256SUMS does not verify"},
		{"zip differs from SHA256SUMS", func(ts *testServer) { ts.tamper = true }, "but the signed SHA256SUMS lists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.addRelease(demo, "1.0.0")
			ts.set(tt.setup)
			inst := directInstaller(t, ts)
			locks, installed, err := inst.Install(context.Background(), reqs(t, demo.String(), ""), nil, InstallOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if len(installed) != 0 || locks.Provider(demo) != nil {
				t.Errorf("a refused package was installed or locked")
			}
			if _, err := os.Stat(inst.PackageDir(demo, MustParseVersionForTest("1.0.0"))); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("package directory exists after a refused install: %v", err)
			}
		})
	}
}

func MustParseVersionForTest(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestInstallRefusesPackageNotMatchingLock(t *testing.T) {
	ts := newTestServer(t)
	ts.addRelease(demo, "1.0.0")
	inst := directInstaller(t, ts)
	locks := NewLocks()
	wrong := Hash("h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	locks.SetProvider(demo, MustParseVersionForTest("1.0.0"), Constraints{}, []Hash{wrong})

	newLocks, _, err := inst.Install(context.Background(), reqs(t, demo.String(), ""), locks, InstallOptions{})
	var mismatch *HashMismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("err = %v, want a HashMismatchError", err)
	}
	if mismatch.Installed || !slices.Equal(mismatch.Expected, []Hash{wrong}) || len(mismatch.Computed) != 2 {
		t.Errorf("mismatch = %+v", mismatch)
	}
	// The old lock entry is kept untouched.
	if got := newLocks.Provider(demo); got == nil || !slices.Equal(got.Hashes, []Hash{wrong}) {
		t.Errorf("lock after failure = %+v", got)
	}
}

func TestInstallFromNetworkMirror(t *testing.T) {
	ts := newTestServer(t)
	ts.addRelease(demo, "1.0.0")
	ts.addRelease(demo, "1.5.0")
	mirror := Method{Kind: NetworkMirror, Location: "https://mirror.example.com/mirror/"}
	inst := &Installer{
		Sources:    Sources{Methods: []Method{mirror}},
		Dir:        filepath.Join(t.TempDir(), DefaultDir),
		HTTPClient: ts.client(),
	}
	locks, installed, err := inst.Install(context.Background(), reqs(t, demo.String(), "< 2"), nil, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if out := runBinary(t, installed[0].Executable); out != "terraform-provider-demo 1.5.0" {
		t.Errorf("binary prints %q", out)
	}
	if installed[0].Auth != "verified checksum" {
		t.Errorf("auth = %q", installed[0].Auth)
	}
	// A mirror's packages are locked by their h1: only, as Terraform does.
	h1 := Hash(mirrorH1(t, ts.zipFor(demo, "1.5.0", CurrentPlatform)))
	if got := locks.Provider(demo).Hashes; !slices.Equal(got, []Hash{h1}) {
		t.Errorf("lock hashes = %v, want [%s]", got, h1)
	}
	for _, p := range ts.requested() {
		if strings.HasPrefix(p, "registry.example.com") || strings.Contains(p, ".well-known") {
			t.Errorf("the network mirror install contacted the origin registry: %s", p)
		}
	}

	// A mirror that lists a checksum the package does not have is refused.
	ts.set(func(ts *testServer) { ts.mirrorHashes = []string{"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="} })
	inst.Dir = filepath.Join(t.TempDir(), DefaultDir)
	_, _, err = inst.Install(context.Background(), reqs(t, demo.String(), "< 2"), nil, InstallOptions{})
	if err == nil || !strings.Contains(err.Error(), "matches none of the checksums the mirror lists") {
		t.Errorf("err = %v", err)
	}
}

// writeMirror lays out a filesystem mirror: demo 1.0.0 unpacked and
// other 2.0.0 packed.
func writeMirror(t *testing.T, dir string) {
	t.Helper()
	unpacked := filepath.Join(dir, "registry.example.com", "acme", "demo", "1.0.0", CurrentPlatform.String())
	if err := os.MkdirAll(unpacked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(unpacked, "terraform-provider-demo_v1.0.0"), providerBinary(t, "demo", "1.0.0"), 0o755); err != nil {
		t.Fatal(err)
	}
	packedDir := filepath.Join(dir, "registry.terraform.io", "hashicorp", "other")
	if err := os.MkdirAll(packedDir, 0o755); err != nil {
		t.Fatal(err)
	}
	z := providerZip(t, "other", "2.0.0")
	if err := os.WriteFile(filepath.Join(packedDir, zipName("other", "2.0.0", CurrentPlatform)), z, 0o644); err != nil {
		t.Fatal(err)
	}
	// A version for another platform only, and files that are not packages.
	if err := os.WriteFile(filepath.Join(packedDir, zipName("other", "3.0.0", otherPlatform())), z, 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(packedDir, "README"), []byte("not a package"), 0o644)
}

func TestInstallFromFilesystemMirrorIsOffline(t *testing.T) {
	mirror := t.TempDir()
	writeMirror(t, mirror)
	inst := &Installer{
		Sources:    Sources{Methods: []Method{{Kind: FilesystemMirror, Location: mirror}}},
		Dir:        filepath.Join(t.TempDir(), DefaultDir),
		HTTPClient: offlineClient(t),
	}
	var ev events
	r := reqs(t, demo.String(), "1.0.0", "hashicorp/other", "~> 2.0")
	locks, installed, err := inst.Install(context.Background(), r, nil, InstallOptions{Progress: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	if len(installed) != 2 {
		t.Fatalf("installed %d, want 2", len(installed))
	}
	byType := map[string]Installed{}
	for _, in := range installed {
		byType[in.Provider.Type] = in
	}
	if out := runBinary(t, byType["demo"].Executable); out != "terraform-provider-demo 1.0.0" {
		t.Errorf("demo prints %q", out)
	}
	if out := runBinary(t, byType["other"].Executable); out != "terraform-provider-other 2.0.0" {
		t.Errorf("other prints %q", out)
	}
	// The unpacked package is linked, as Terraform does, not copied.
	if fi, err := os.Lstat(byType["demo"].Dir); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("unpacked mirror package is not a link: %v %v", fi, err)
	}
	// The unpacked zip keeps the executable bit.
	if fi, err := os.Stat(byType["other"].Executable); err != nil || fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("unpacked binary is not executable: %v %v", fi, err)
	}
	for _, in := range installed {
		h, _ := HashDir(in.Dir)
		if lp := locks.Provider(in.Provider); lp == nil || !slices.Equal(lp.Hashes, []Hash{h}) {
			t.Errorf("lock of %s = %+v, want h1 %s only", in.Provider, lp, h)
		}
		if in.Auth != "unauthenticated" {
			t.Errorf("auth of %s = %q", in.Provider, in.Auth)
		}
	}
	if !strings.Contains(ev.String(), "- Installing hashicorp/other v2.0.0 from filesystem mirror "+mirror+"...") {
		t.Errorf("events:\n%s", ev.String())
	}

	// A version present only for another platform is selected (as in
	// Terraform) and then reported as unavailable for this one.
	_, _, err = inst.Install(context.Background(), reqs(t, "hashicorp/other", ">= 3"), nil, InstallOptions{})
	if err == nil || !strings.Contains(err.Error(), "is not available") || !strings.Contains(err.Error(), "only for "+otherPlatform().String()) {
		t.Errorf("err = %v", err)
	}
}

func TestInstallDevOverride(t *testing.T) {
	devDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(devDir, "terraform-provider-demo"), providerBinary(t, "demo", "dev"), 0o755); err != nil {
		t.Fatal(err)
	}
	inst := &Installer{
		Sources: Sources{
			DevOverrides: map[Provider]string{demo: devDir},
			Methods:      []Method{{Kind: Direct}},
		},
		Dir:        filepath.Join(t.TempDir(), DefaultDir),
		HTTPClient: offlineClient(t),
	}
	old := NewLocks()
	old.SetProvider(demo, MustParseVersionForTest("1.0.0"), Constraints{}, []Hash{"h1:old"})
	var ev events
	locks, installed, err := inst.Install(context.Background(), reqs(t, demo.String(), "~> 1.0"), old, InstallOptions{Progress: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	in := installed[0]
	if !in.DevOverride || in.Dir != devDir || len(in.Warnings) != 1 || !strings.Contains(in.Warnings[0], "without version selection, checksum verification or a lock file entry") {
		t.Errorf("installed = %+v", in)
	}
	if out := runBinary(t, in.Executable); out != "terraform-provider-demo dev" {
		t.Errorf("binary prints %q", out)
	}
	// The lock entry is neither used nor changed.
	if !locks.Equal(old) {
		t.Errorf("dev override changed the lock:\n%s", locks.Bytes())
	}
	if ev.String() != "- Using registry.example.com/acme/demo from dev_overrides in "+devDir+", without version or checksum checks" {
		t.Errorf("events: %s", ev.String())
	}
	found, err := inst.Find(context.Background(), demo, NewLocks())
	if err != nil || found.Executable != in.Executable || !found.DevOverride {
		t.Errorf("Find = %+v, %v", found, err)
	}
}

func TestInstallBuiltinAndNoMethod(t *testing.T) {
	inst := &Installer{
		Sources: Sources{Methods: []Method{{Kind: Direct, Exclude: []Pattern{{Hostname: "registry.example.com", Namespace: "*", Type: "*"}}}}},
		Dir:     filepath.Join(t.TempDir(), DefaultDir), HTTPClient: offlineClient(t),
	}
	var ev events
	locks, installed, err := inst.Install(context.Background(), reqs(t, "indigo", "", demo.String(), ""), nil, InstallOptions{Progress: ev.add})
	if err == nil || !strings.Contains(err.Error(), "no installation method may install it") {
		t.Errorf("err = %v", err)
	}
	if len(installed) != 1 || !installed[0].Builtin || installed[0].Provider != Builtin {
		t.Errorf("installed = %+v", installed)
	}
	if len(locks.Providers()) != 0 {
		t.Errorf("built-in provider was locked:\n%s", locks.Bytes())
	}
	if ev.String() != "- indigo.dev/builtin/indigo is built in to indigo" {
		t.Errorf("events: %s", ev.String())
	}
	if in, err := inst.Find(context.Background(), Builtin, nil); err != nil || !in.Builtin {
		t.Errorf("Find(builtin) = %+v, %v", in, err)
	}
}

func TestPluginCache(t *testing.T) {
	ts := newTestServer(t)
	ts.addRelease(demo, "1.0.0")
	cache := t.TempDir()
	first := &Installer{
		Sources:  Sources{Methods: []Method{{Kind: Direct}}},
		Dir:      filepath.Join(t.TempDir(), DefaultDir),
		CacheDir: cache, HTTPClient: ts.client(),
	}
	locks, installed, err := first.Install(context.Background(), reqs(t, demo.String(), ""), nil, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cached := packageDir(cache, demo, installed[0].Version, CurrentPlatform)
	if _, err := os.Stat(filepath.Join(cached, "terraform-provider-demo_v1.0.0")); err != nil {
		t.Fatalf("package not in the cache: %v", err)
	}

	// Another working directory with the same lock installs from the
	// cache without the network.
	second := &Installer{
		Sources:  Sources{Methods: []Method{{Kind: Direct}}},
		Dir:      filepath.Join(t.TempDir(), DefaultDir),
		CacheDir: cache, HTTPClient: offlineClient(t),
	}
	var ev events
	locks2, installed2, err := second.Install(context.Background(), reqs(t, demo.String(), ""), locks, InstallOptions{Progress: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	if !locks2.Equal(locks) {
		t.Errorf("lock changed:\n%s", locks2.Bytes())
	}
	if out := runBinary(t, installed2[0].Executable); out != "terraform-provider-demo 1.0.0" {
		t.Errorf("binary prints %q", out)
	}
	if !strings.Contains(ev.String(), "from the shared cache directory") {
		t.Errorf("events: %s", ev.String())
	}

	// "May break the lock file" uses the cache for an unlocked provider,
	// but never against the lock.
	mayBreak := *second
	mayBreak.Dir = filepath.Join(t.TempDir(), DefaultDir)
	mayBreak.CacheMayBreakLockFile = true
	mayBreak.HTTPClient = ts.client() // to list versions
	downloads := func() (n int) {
		for _, p := range ts.requested() {
			if strings.Contains(p, "/files/") {
				n++
			}
		}
		return n
	}
	before := downloads()
	if _, _, err := mayBreak.Install(context.Background(), reqs(t, demo.String(), ""), nil, InstallOptions{}); err != nil {
		t.Errorf("unlocked install from the cache with may-break: %v", err)
	}
	if downloads() != before {
		t.Errorf("may-break downloaded the package instead of using the cache")
	}
	wrongLock := NewLocks()
	wrongLock.SetProvider(demo, installed[0].Version, Constraints{}, []Hash{"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="})
	mayBreak.Dir = filepath.Join(t.TempDir(), DefaultDir)
	var mismatch *HashMismatchError
	if _, _, err := mayBreak.Install(context.Background(), reqs(t, demo.String(), ""), wrongLock, InstallOptions{}); !errors.As(err, &mismatch) {
		t.Errorf("a cached package not matching the lock was accepted: %v", err)
	}

	// Without a lock entry the cache is not trusted: the package is
	// fetched again.
	third := *second
	third.Dir = filepath.Join(t.TempDir(), DefaultDir)
	third.HTTPClient = ts.client()
	before = downloads()
	if _, _, err := third.Install(context.Background(), reqs(t, demo.String(), ""), nil, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if downloads() == before {
		t.Errorf("an unlocked provider was taken from the cache without asking its source")
	}
}

func TestFindDetectsTampering(t *testing.T) {
	mirror := t.TempDir()
	writeMirror(t, mirror)
	// hashicorp/other is packed in the mirror, so its install is a copy that
	// the test may tamper with.
	inst := &Installer{
		Sources:    Sources{Methods: []Method{{Kind: FilesystemMirror, Location: mirror}}},
		Dir:        filepath.Join(t.TempDir(), DefaultDir),
		HTTPClient: offlineClient(t),
	}
	other := MustParseProvider("hashicorp/other")
	locks, installed, err := inst.Install(context.Background(), reqs(t, "hashicorp/other", "~> 2.0"), nil, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Find(context.Background(), other, locks); err != nil {
		t.Fatalf("Find before tampering: %v", err)
	}
	if err := os.WriteFile(installed[0].Executable, []byte("#!/bin/sh\necho evil\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = inst.Find(context.Background(), other, locks)
	var mismatch *HashMismatchError
	if !errors.As(err, &mismatch) || !mismatch.Installed {
		t.Fatalf("Find after tampering: %v", err)
	}
	if !strings.Contains(err.Error(), `"indigo init -upgrade"`) {
		t.Errorf("error does not say what to do:\n%s", err)
	}

	// Not locked, not installed: say to run indigo init.
	if _, err := inst.Find(context.Background(), demo, locks); err == nil || !strings.Contains(err.Error(), `run "indigo init"`) {
		t.Errorf("Find(unlocked) = %v", err)
	}
	locks.SetProvider(demo, MustParseVersionForTest("1.0.0"), Constraints{}, nil)
	if _, err := inst.Find(context.Background(), demo, locks); err == nil || !strings.Contains(err.Error(), "locked but not installed") {
		t.Errorf("Find(not installed) = %v", err)
	}
}

func TestLockPlatforms(t *testing.T) {
	ts := newTestServer(t)
	ts.addRelease(demo, "1.0.0")
	here, there := CurrentPlatform, otherPlatform()
	ctx := context.Background()
	r := reqs(t, demo.String(), "")

	// Installed here from a network mirror, the lock holds this
	// platform's h1: only, so the other platform refuses its package.
	mirror := &Installer{
		Sources:    Sources{Methods: []Method{{Kind: NetworkMirror, Location: "https://mirror.example.com/mirror/"}}},
		Dir:        filepath.Join(t.TempDir(), DefaultDir),
		HTTPClient: ts.client(),
	}
	locks, _, err := mirror.Install(ctx, r, nil, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := *mirror
	elsewhere.Platform = there
	elsewhere.Dir = filepath.Join(t.TempDir(), DefaultDir)
	var mismatch *HashMismatchError
	if _, _, err := elsewhere.Install(ctx, r, locks, InstallOptions{}); !errors.As(err, &mismatch) {
		t.Fatalf("install on %s with a %s-only lock: %v", there, here, err)
	}

	// Locking both platforms fixes that, without installing anything.
	var ev events
	both, err := mirror.LockPlatforms(ctx, r, locks, []Platform{here, there}, InstallOptions{Progress: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	want := normalizeHashes([]Hash{
		Hash(mirrorH1(t, ts.zipFor(demo, "1.0.0", here))),
		Hash(mirrorH1(t, ts.zipFor(demo, "1.0.0", there))),
	})
	if got := both.Provider(demo).Hashes; !slices.Equal(got, want) {
		t.Errorf("hashes = %v, want %v", got, want)
	}
	if _, _, err := elsewhere.Install(ctx, r, both, InstallOptions{}); err != nil {
		t.Errorf("install on %s with both platforms locked: %v", there, err)
	}
	if !strings.Contains(ev.String(), "- Obtained registry.example.com/acme/demo checksums for "+there.String()+" (verified checksum)") {
		t.Errorf("events:\n%s", ev.String())
	}

	// From the registry: the signed zh: hashes come too.
	direct := directInstaller(t, ts)
	fromRegistry, err := direct.LockPlatforms(ctx, r, nil, []Platform{there}, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fromRegistry.Provider(demo).Hashes; len(got) != 3 {
		t.Errorf("registry lock for one platform = %v, want its h1 and both signed zh", got)
	}
	entries, _ := os.ReadDir(direct.Dir)
	if len(entries) != 0 {
		t.Errorf("LockPlatforms installed something: %v", entries)
	}
}

func TestNewInstaller(t *testing.T) {
	home, work, cache := t.TempDir(), t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(home, ".terraformrc"), `
plugin_cache_dir = "`+cache+`"
provider_installation {
  filesystem_mirror { path = "/srv/mirror" }
}
`)
	env := CLIEnv{HomeDir: home, WorkDir: work}
	cfg, diags := LoadCLIConfig(env)
	if diags.HasErrors() {
		t.Fatal(renderDiags(diags))
	}
	inst := NewInstaller(cfg, env, work)
	if inst.Dir != filepath.Join(work, ".indigo", "providers") || inst.CacheDir != cache || inst.Sources.String() != "filesystem mirror /srv/mirror\n" {
		t.Errorf("installer = %+v", inst)
	}
	cfg.PluginCacheDir = filepath.Join(cache, "missing")
	if inst := NewInstaller(cfg, env, work); inst.CacheDir != "" {
		t.Errorf("a missing plugin cache directory was used: %s", inst.CacheDir)
	}
}

func TestRegistryCredentialsAndHostOverride(t *testing.T) {
	ts := newTestServer(t)
	private := Provider{Hostname: "private.example.com", Namespace: "acme", Type: "demo"}
	ts.addRelease(private, "1.0.0")
	const token = "s3cret-token"
	ts.set(func(ts *testServer) { ts.token = token })
	inst := &Installer{
		Sources:    Sources{Methods: []Method{{Kind: Direct}}},
		Dir:        filepath.Join(t.TempDir(), DefaultDir),
		HTTPClient: ts.client(),
	}
	r := reqs(t, private.String(), "")

	_, _, err := inst.Install(context.Background(), r, nil, InstallOptions{})
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized (check the credentials for private.example.com") {
		t.Fatalf("without credentials: %v", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Fatal("the error shows the token")
	}

	inst.Sources.Credentials = map[string]Token{"private.example.com": Token(token)}
	inst.Sources.Services = map[string]map[string]string{"private.example.com": {"providers.v1": "/v1/providers/"}}
	before := len(ts.requested())
	_, installed, err := inst.Install(context.Background(), r, nil, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if out := runBinary(t, installed[0].Executable); out != "terraform-provider-demo 1.0.0" {
		t.Errorf("binary prints %q", out)
	}
	for _, p := range ts.requested()[before:] {
		if strings.Contains(p, ".well-known") {
			t.Errorf("service discovery was asked although a host block answers it: %s", p)
		}
	}
	ts.set(func(ts *testServer) {
		if ts.authOnFiles != 0 {
			t.Errorf("credentials were sent with %d archive or checksum downloads", ts.authOnFiles)
		}
	})
}
