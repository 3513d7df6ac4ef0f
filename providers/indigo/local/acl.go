package local

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ACLInstall is how to get setfacl and getfacl on the project's machines.
const ACLInstall = "apt-get install -y acl"

// aclEntry is one named entry of a POSIX ACL as the configuration writes
// it: u:NAME:PERMS or g:NAME:PERMS. perms may hold X (execute on
// directories and on files someone may already execute), which is resolved
// per file before anything is written or compared.
type aclEntry struct {
	group bool   // g: rather than u:
	name  string // a user or group name, or a numeric id
	perms string // canonical: "rwX" with "-" for what is not granted, e.g. "r-X"
}

var entryRE = regexp.MustCompile(`^(u|user|g|group):([^:\s,]+):([rwxX-]{1,4}|[0-7])$`)

// parseEntry reads one entry. Base entries (u::, g::, o::) and the mask
// are the file's mode and not this resource's; default entries are asked
// for with the resource's default attribute, not a d: prefix.
func parseEntry(s string) (aclEntry, error) {
	m := entryRE.FindStringSubmatch(s)
	if m == nil {
		switch {
		case strings.HasPrefix(s, "d:") || strings.HasPrefix(s, "default:"):
			return aclEntry{}, errors.New(`write it without "d:": set default = true to give directories the same entries as default ACL entries`)
		case strings.HasPrefix(s, "o:") || strings.HasPrefix(s, "other:") || strings.HasPrefix(s, "m:") || strings.HasPrefix(s, "mask:") ||
			strings.HasPrefix(s, "u::") || strings.HasPrefix(s, "user::") || strings.HasPrefix(s, "g::") || strings.HasPrefix(s, "group::"):
			return aclEntry{}, errors.New("the owner, owning group, other and mask entries are the file's mode; this resource manages named user and group entries only")
		}
		return aclEntry{}, errors.New(`want u:USER:PERMS or g:GROUP:PERMS, PERMS being letters of "rwxX" or "-" (such as "r-X") or one octal digit`)
	}
	e := aclEntry{group: m[1] == "g" || m[1] == "group", name: m[2]}
	p := m[3]
	var r, w, x byte = '-', '-', '-'
	if len(p) == 1 && p[0] >= '0' && p[0] <= '7' {
		d := p[0] - '0'
		if d&4 != 0 {
			r = 'r'
		}
		if d&2 != 0 {
			w = 'w'
		}
		if d&1 != 0 {
			x = 'x'
		}
	} else {
		seen := map[rune]bool{}
		for _, c := range p {
			if c != '-' && seen[c] {
				return aclEntry{}, fmt.Errorf("%q names a permission twice", p)
			}
			seen[c] = true
			switch c {
			case 'r':
				r = 'r'
			case 'w':
				w = 'w'
			case 'x':
				x = 'x'
			case 'X':
				x = 'X'
			}
		}
		if seen['x'] && seen['X'] {
			return aclEntry{}, fmt.Errorf("%q has both x and X", p)
		}
	}
	e.perms = string([]byte{r, w, x})
	return e, nil
}

func (e aclEntry) tag() string {
	if e.group {
		return "g"
	}
	return "u"
}

// String is the entry as setfacl reads it, e.g. "u:alice:r-X".
func (e aclEntry) String() string { return e.qualifier() + ":" + e.perms }

// qualifier is how the entry is told apart from others: "u:alice".
func (e aclEntry) qualifier() string { return e.tag() + ":" + e.name }

// resolve returns the entry's permissions on a file: X becomes x on a
// directory, or on a file whose owner or others may execute it. Unlike
// setfacl's own X, which looks at the mask (and so at the group class),
// this looks only at entries no ACL change touches, so applying twice
// gives the same result: the first apply widens the mask, and with it the
// owning group's effective rights.
func (e aclEntry) resolve(dir, execByBase bool) string {
	if e.perms[2] != 'X' {
		return e.perms
	}
	if dir || execByBase {
		return e.perms[:2] + "x"
	}
	return e.perms[:2] + "-"
}

// id returns the entry's numeric uid or gid on this machine.
func (e aclEntry) id() (string, error) {
	if _, err := strconv.ParseUint(e.name, 10, 32); err == nil {
		return e.name, nil
	}
	if e.group {
		g, err := user.LookupGroup(e.name)
		if err != nil {
			return "", fmt.Errorf("no local group %q (create it with groupadd, or map the identity to an existing group): %w", e.name, err)
		}
		return g.Gid, nil
	}
	u, err := user.Lookup(e.name)
	if err != nil {
		return "", fmt.Errorf("no local user %q (create the account with useradd, or map the identity to an existing account): %w", e.name, err)
	}
	return u.Uid, nil
}

// fileACL is what getfacl reports for one file, with numeric ids.
type fileACL struct {
	base     map[string]string // "user", "group", "other" → perms
	named    map[string]string // "u:1001" → effective perms
	defaults map[string]string // "u:1001" → effective perms of the default entry
}

// execByBase reports whether the owner or others may execute.
func (a *fileACL) execByBase() bool {
	for _, k := range []string{"user", "other"} {
		if strings.HasSuffix(a.base[k], "x") {
			return true
		}
	}
	return false
}

// aclTarget is a file or directory an ACL resource covers.
type aclTarget struct {
	path string
	dir  bool
}

// aclTargets returns top, and with recursive every directory and regular
// file below it. Symbolic links are neither followed nor touched (setfacl
// would act on what they point to, which may be outside the site); other
// special files are left alone.
func aclTargets(ctx context.Context, top string, recursive bool) ([]aclTarget, error) {
	info, err := os.Lstat(top)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() && !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file or a directory", top)
	}
	if !recursive || !info.IsDir() {
		return []aclTarget{{top, info.IsDir()}}, nil
	}
	var out []aclTarget
	err = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || d.Type().IsRegular() {
			out = append(out, aclTarget{p, d.IsDir()})
		}
		return nil
	})
	return out, err
}

// getACLs runs getfacl on the targets and returns their ACLs by path.
func getACLs(ctx context.Context, targets []aclTarget) (map[string]*fileACL, error) {
	out := map[string]*fileACL{}
	for _, chunk := range chunks(targets) {
		args := []string{"--numeric", "--absolute-names", "--all-effective", "--physical", "--"}
		for _, t := range chunk {
			args = append(args, t.path)
		}
		stdout, err := runACLTool(ctx, "getfacl", args)
		if err != nil {
			return nil, err
		}
		if err := parseGetfacl(stdout, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parseGetfacl reads getfacl's output (numeric ids, every effective right
// spelled out) into out.
func parseGetfacl(data []byte, out map[string]*fileACL) error {
	var cur *fileACL
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "# file: "); ok {
			p, err := unescapeGetfacl(name)
			if err != nil {
				return err
			}
			cur = &fileACL{base: map[string]string{}, named: map[string]string{}, defaults: map[string]string{}}
			out[p] = cur
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") || cur == nil {
			continue
		}
		entry, effective, _ := strings.Cut(line, "#effective:")
		entry = strings.TrimSpace(entry)
		effective = strings.TrimSpace(effective)
		into, isDefault := cur.named, false
		if rest, ok := strings.CutPrefix(entry, "default:"); ok {
			entry, into, isDefault = rest, cur.defaults, true
		}
		parts := strings.Split(entry, ":")
		if len(parts) != 3 {
			return fmt.Errorf("getfacl: unexpected line %q", line)
		}
		tag, q, perms := parts[0], parts[1], parts[2]
		if effective == "" {
			effective = perms
		}
		switch {
		case q == "" && !isDefault && (tag == "user" || tag == "group" || tag == "other"):
			cur.base[tag] = perms
		case q != "" && (tag == "user" || tag == "group"):
			into[tag[:1]+":"+q] = effective
		}
	}
	return sc.Err()
}

// unescapeGetfacl undoes getfacl's escaping of file names: a backslash
// and three octal digits for unusual bytes, two backslashes for one.
func unescapeGetfacl(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\\' {
			b.WriteByte('\\')
			i++
			continue
		}
		if i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		return "", fmt.Errorf("getfacl: cannot read the file name %q", s)
	}
	return b.String(), nil
}

// setACLs runs setfacl with one spec per group of targets; specs maps each
// target's path to its spec ("" skips it).
func setACLs(ctx context.Context, flag string, targets []aclTarget, spec func(aclTarget) string) error {
	bySpec := map[string][]aclTarget{}
	for _, t := range targets {
		if s := spec(t); s != "" {
			bySpec[s] = append(bySpec[s], t)
		}
	}
	specs := make([]string, 0, len(bySpec))
	for s := range bySpec {
		specs = append(specs, s)
	}
	sort.Strings(specs)
	for _, s := range specs {
		for _, chunk := range chunks(bySpec[s]) {
			args := []string{"--physical", flag, s, "--"}
			for _, t := range chunk {
				args = append(args, t.path)
			}
			if _, err := runACLTool(ctx, "setfacl", args); err != nil {
				return err
			}
		}
	}
	return nil
}

// chunks splits targets so command lines stay short.
func chunks(targets []aclTarget) [][]aclTarget {
	const n = 256
	var out [][]aclTarget
	for len(targets) > n {
		out = append(out, targets[:n])
		targets = targets[n:]
	}
	if len(targets) > 0 {
		out = append(out, targets)
	}
	return out
}

// errNoACLTools is returned when setfacl or getfacl is not installed.
var errNoACLTools = errors.New("setfacl and getfacl are not installed; install them with: " + ACLInstall)

func runACLTool(ctx context.Context, tool string, args []string) ([]byte, error) {
	bin, err := exec.LookPath(tool)
	if err != nil {
		return nil, errNoACLTools
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Messages in English, whatever the machine's locale.
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("%s %s: %s", tool, strings.Join(shorten(args), " "), msg)
	}
	return stdout.Bytes(), nil
}

// shorten keeps an error message's command line readable.
func shorten(args []string) []string {
	if len(args) <= 8 {
		return args
	}
	return append(append([]string{}, args[:7]...), fmt.Sprintf("... (%d more)", len(args)-7))
}
