package faults

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// Disk is a small ext4 filesystem in a file, loop-mounted at Dir: a state
// directory whose space and health a test controls. Filling it makes every
// write fail with ENOSPC; Break turns it read-only the way a failing disk
// does (ext4's errors=remount-ro, which works even while files are open
// for writing, unlike `mount -o remount,ro`).
type Disk struct {
	Dir   string
	image string
	t     testing.TB
}

// NewDisk creates and mounts a filesystem of size bytes (at least 2 MiB)
// and returns it; it is unmounted and removed when the test ends. The test
// is skipped (testsrv.Missing) when this machine cannot mount one: not
// root, no loop devices, no mkfs.ext4.
func NewDisk(t testing.TB, size int64) *Disk {
	t.Helper()
	if os.Geteuid() != 0 {
		testsrv.Missing(t, "a loop-mounted filesystem needs root; run the fault tests as root")
		return nil
	}
	mkfs, err := exec.LookPath("mkfs.ext4")
	if err != nil {
		testsrv.Missing(t, "mkfs.ext4 is missing; install it with: apt-get install -y e2fsprogs")
		return nil
	}
	base := t.TempDir()
	d := &Disk{Dir: filepath.Join(base, "mnt"), image: filepath.Join(base, "disk.img"), t: t}
	if err := os.Mkdir(d.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.image, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(d.image, max(size, 2<<20)); err != nil {
		t.Fatal(err)
	}
	// -m 0: no blocks reserved for root, so the tests (root) fill it too.
	if out, err := exec.Command(mkfs, "-q", "-F", "-m", "0", d.image).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v\n%s", err, out)
	}
	if err := d.mount(); err != nil {
		testsrv.Missing(t, fmt.Sprintf("cannot loop-mount a filesystem here (%v); the disk faults need loop devices (modprobe loop) and root", err))
		return nil
	}
	t.Cleanup(d.unmount)
	return d
}

func (d *Disk) mount() error {
	out, err := exec.Command("mount", "-o", "loop,errors=remount-ro", d.image, d.Dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("mount: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

func (d *Disk) unmount() {
	for range 50 {
		if err := syscall.Unmount(d.Dir, 0); err == nil || errors.Is(err, syscall.EINVAL) {
			return
		}
		_ = syscall.Unmount(d.Dir, syscall.MNT_DETACH)
	}
}

// ballast is the file Fill writes.
func (d *Disk) ballast() string { return filepath.Join(d.Dir, ".ballast") }

// Fill takes all the free space, so that the next write fails with ENOSPC.
func (d *Disk) Fill() error {
	f, err := os.OpenFile(d.ballast(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for len(buf) > 0 {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				return err
			}
			buf = buf[:len(buf)/2]
		}
	}
	return f.Sync()
}

// Free gives back what Fill took.
func (d *Disk) Free() error {
	err := os.Remove(d.ballast())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// Break makes the filesystem read-only at once, open files included, as
// ext4 does when its disk fails (errors=remount-ro): every write after it
// fails with EROFS.
func (d *Disk) Break() error {
	dev, err := d.device()
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join("/sys/fs/ext4", dev, "trigger_fs_error"), []byte("injected by the fault tests"), 0o200)
}

// Repair brings a broken filesystem back: it is unmounted (the processes
// that had files open on it must have exited), checked with e2fsck and
// mounted again, read-write.
func (d *Disk) Repair() error {
	if err := syscall.Unmount(d.Dir, 0); err != nil {
		return fmt.Errorf("unmounting %s: %w", d.Dir, err)
	}
	// e2fsck exits 1 when it fixed something: that is success here.
	if out, err := exec.Command("e2fsck", "-f", "-y", d.image).CombinedOutput(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() > 1 {
			return fmt.Errorf("e2fsck: %v\n%s", err, out)
		}
	}
	return d.mount()
}

// ReadOnly reports whether the filesystem is read-only now: mounted so,
// or turned so by an error. Recent Linux (6.18 here) does not mark an
// ext4 filesystem an error turned read-only with ST_RDONLY (statfs still
// says read-write); its mount options say emergency_ro instead.
func (d *Disk) ReadOnly() bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(d.Dir, &st); err == nil && st.Flags&0x1 != 0 { // ST_RDONLY
		return true
	}
	opts, err := d.mountField(3)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(strings.Split(opts, ","), func(o string) bool { return o == "ro" || o == "emergency_ro" })
}

// device returns the loop device's name (loop3) from /proc/self/mounts.
func (d *Disk) device() (string, error) {
	dev, err := d.mountField(0)
	if err != nil {
		return "", err
	}
	return filepath.Base(dev), nil
}

// mountField returns field i of the line of /proc/self/mounts that mounts
// a device at Dir (0: the device, 3: the options).
func (d *Disk) mountField(i int) (string, error) {
	data, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && f[1] == d.Dir && strings.HasPrefix(f[0], "/dev/") {
			return f[i], nil
		}
	}
	return "", fmt.Errorf("%s is not mounted", d.Dir)
}
