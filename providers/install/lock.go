package install

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// LockFileName is indigo's dependency lock file, in the working directory.
const LockFileName = ".indigo.lock.hcl"

// TerraformLockFileName is Terraform's and OpenTofu's dependency lock file.
// indigo reads it when its own is absent, so an existing working directory
// keeps its selections and checksums; it writes only LockFileName.
const TerraformLockFileName = ".terraform.lock.hcl"

// lockFileHeader starts every lock file indigo writes.
const lockFileHeader = `# This file is maintained automatically by "indigo init".
# Manual edits may be lost in future updates.
`

// Locks is the content of a dependency lock file: for each provider, the
// selected version, the constraints it was selected under and the
// checksums of its packages. The zero value is not usable; use NewLocks.
type Locks struct {
	providers map[Provider]*LockedProvider
}

// LockedProvider is one provider block of a lock file.
type LockedProvider struct {
	Provider Provider
	Version  Version
	// Constraints is the configuration's version constraint when the
	// version was selected; it is informative (selection reads the
	// configuration, not this).
	Constraints Constraints
	// Hashes are sorted and unique: h1: hashes of unpacked packages for the
	// platforms installed so far and zh: hashes of the zip archives the
	// registry signed for every platform.
	Hashes []Hash
}

// NewLocks returns an empty set of locks.
func NewLocks() *Locks {
	return &Locks{providers: make(map[Provider]*LockedProvider)}
}

// Provider returns the lock for p, or nil if p is not locked.
func (l *Locks) Provider(p Provider) *LockedProvider {
	if l == nil {
		return nil
	}
	return l.providers[p]
}

// SetProvider records the lock for p, replacing any earlier one. The hashes
// are sorted and deduplicated.
func (l *Locks) SetProvider(p Provider, v Version, c Constraints, hashes []Hash) *LockedProvider {
	lp := &LockedProvider{Provider: p, Version: v, Constraints: c, Hashes: normalizeHashes(hashes)}
	l.providers[p] = lp
	return lp
}

// RemoveProvider forgets the lock for p.
func (l *Locks) RemoveProvider(p Provider) { delete(l.providers, p) }

// Providers returns every lock in lock file order.
func (l *Locks) Providers() []*LockedProvider {
	if l == nil {
		return nil
	}
	ps := make([]Provider, 0, len(l.providers))
	for p := range l.providers {
		ps = append(ps, p)
	}
	sortProviders(ps)
	out := make([]*LockedProvider, len(ps))
	for i, p := range ps {
		out[i] = l.providers[p]
	}
	return out
}

// Equal reports whether l and o would be written identically.
func (l *Locks) Equal(o *Locks) bool {
	return bytes.Equal(l.Bytes(), o.Bytes())
}

func normalizeHashes(hs []Hash) []Hash {
	out := slices.Clone(hs)
	slices.Sort(out)
	return slices.Compact(out)
}

// Bytes renders l in the .terraform.lock.hcl format, exactly as Terraform
// formats it: header comment, one provider block per provider sorted by
// address, attributes aligned the way "terraform fmt" aligns them, one hash
// per line.
func (l *Locks) Bytes() []byte {
	var b bytes.Buffer
	b.WriteString(lockFileHeader)
	for _, lp := range l.Providers() {
		b.WriteString("\n")
		fmt.Fprintf(&b, "provider %s {\n", hclQuote(lp.Provider.String()))
		if c := lp.Constraints.String(); c != "" {
			fmt.Fprintf(&b, "  version     = %s\n", hclQuote(lp.Version.String()))
			fmt.Fprintf(&b, "  constraints = %s\n", hclQuote(c))
		} else {
			fmt.Fprintf(&b, "  version = %s\n", hclQuote(lp.Version.String()))
		}
		if len(lp.Hashes) == 0 {
			b.WriteString("  hashes = []\n")
		} else {
			b.WriteString("  hashes = [\n")
			for _, h := range lp.Hashes {
				fmt.Fprintf(&b, "    %s,\n", hclQuote(string(h)))
			}
			b.WriteString("  ]\n")
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// hclQuote writes s as an HCL quoted string literal.
func hclQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, c)
		case (c == '$' || c == '%') && i+1 < len(s) && s[i+1] == '{':
			// "${" and "%{" start templates; doubling the sigil escapes them.
			b.WriteByte(c)
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var lockFileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{{Type: "provider", LabelNames: []string{"source_addr"}}},
}

var lockProviderSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "version", Required: true},
		{Name: "constraints"},
		{Name: "hashes"},
	},
}

// ParseLocks reads a lock file's content. filename is used in diagnostics.
// Every problem is reported with its location; the returned Locks holds the
// provider blocks that were valid.
func ParseLocks(src []byte, filename string) (*Locks, hcl.Diagnostics) {
	locks := NewLocks()
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return locks, diags
	}
	content, moreDiags := f.Body.Content(lockFileSchema)
	diags = append(diags, moreDiags...)
	seen := make(map[Provider]hcl.Range)
	for _, block := range content.Blocks {
		lp, blockDiags := parseLockedProvider(block)
		diags = append(diags, blockDiags...)
		if lp == nil {
			continue
		}
		if prev, dup := seen[lp.Provider]; dup {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate provider lock",
				Detail:   fmt.Sprintf("Provider %s is already locked on line %d; a lock file has one block per provider.", lp.Provider, prev.Start.Line),
				Subject:  block.LabelRanges[0].Ptr(),
			})
			continue
		}
		seen[lp.Provider] = block.DefRange
		locks.providers[lp.Provider] = lp
	}
	return locks, diags
}

func parseLockedProvider(block *hcl.Block) (*LockedProvider, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	label := block.Labels[0]
	p, err := ParseProvider(label)
	if err == nil && p.String() != label {
		err = fmt.Errorf("the address must be written in full and normalised, like %q", p.String())
	}
	if err == nil && p.IsBuiltin() {
		err = errors.New("built-in providers are part of indigo and are never locked")
	}
	if err != nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid provider address in lock file",
			Detail:   fmt.Sprintf("Cannot use %q: %s.", label, err),
			Subject:  block.LabelRanges[0].Ptr(),
		})
		return nil, diags
	}
	// Every argument is checked even after an error, so that one run
	// reports every problem of the block.
	content, moreDiags := block.Body.Content(lockProviderSchema)
	diags = append(diags, moreDiags...)
	valid := !moreDiags.HasErrors()
	lp := &LockedProvider{Provider: p}

	if attr := content.Attributes["version"]; attr != nil {
		raw, rng, ok := lockString(attr, &diags)
		if ok {
			if lp.Version, err = ParseVersion(raw); err != nil {
				diags = append(diags, lockAttrError("Invalid provider version in lock file", err, rng))
				ok = false
			}
		}
		valid = valid && ok
	}
	if attr := content.Attributes["constraints"]; attr != nil {
		raw, rng, ok := lockString(attr, &diags)
		if ok {
			if lp.Constraints, err = ParseConstraints(raw); err != nil {
				diags = append(diags, lockAttrError("Invalid version constraints in lock file", err, rng))
				ok = false
			}
		}
		valid = valid && ok
	}
	if attr := content.Attributes["hashes"]; attr != nil {
		hashes, ok := lockHashes(attr, &diags)
		lp.Hashes = normalizeHashes(hashes)
		valid = valid && ok
	}
	if !valid {
		return nil, diags
	}
	return lp, diags
}

func lockAttrError(summary string, err error, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: err.Error() + ".", Subject: rng.Ptr()}
}

// lockString evaluates a literal string attribute.
func lockString(attr *hcl.Attribute, diags *hcl.Diagnostics) (string, hcl.Range, bool) {
	v, moreDiags := attr.Expr.Value(nil)
	*diags = append(*diags, moreDiags...)
	if moreDiags.HasErrors() {
		return "", attr.Range, false
	}
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		*diags = append(*diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid lock file value",
			Detail:   fmt.Sprintf("The %q argument must be a string.", attr.Name),
			Subject:  attr.Expr.Range().Ptr(),
		})
		return "", attr.Range, false
	}
	return v.AsString(), attr.Expr.Range(), true
}

// lockHashes evaluates the hashes list, one diagnostic per bad element.
func lockHashes(attr *hcl.Attribute, diags *hcl.Diagnostics) ([]Hash, bool) {
	bad := func(detail string, rng hcl.Range) {
		*diags = append(*diags, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Invalid provider hash in lock file", Detail: detail, Subject: rng.Ptr(),
		})
	}
	tuple, ok := attr.Expr.(*hclsyntax.TupleConsExpr)
	if !ok {
		bad("The \"hashes\" argument must be a list of strings, like [\"h1:...\"].", attr.Expr.Range())
		return nil, false
	}
	var out []Hash
	valid := true
	for _, expr := range tuple.Exprs {
		v, moreDiags := expr.Value(nil)
		*diags = append(*diags, moreDiags...)
		if moreDiags.HasErrors() {
			valid = false
			continue
		}
		if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
			bad("Each hash must be a string.", expr.Range())
			valid = false
			continue
		}
		h, err := ParseHash(v.AsString())
		if err != nil {
			bad(err.Error()+".", expr.Range())
			valid = false
			continue
		}
		out = append(out, h)
	}
	return out, valid
}

// ReadLocks reads the working directory's lock file: LockFileName, or
// TerraformLockFileName when indigo's own is absent. It returns the path it
// read ("" when neither exists, with empty locks).
func ReadLocks(workDir string) (*Locks, string, hcl.Diagnostics) {
	for _, name := range []string{LockFileName, TerraformLockFileName} {
		path := filepath.Join(workDir, name)
		src, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return NewLocks(), path, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Cannot read the dependency lock file",
				Detail:   err.Error(),
			}}
		}
		locks, diags := ParseLocks(src, path)
		return locks, path, diags
	}
	return NewLocks(), "", nil
}

// WriteFile writes l to path atomically: a reader sees the old file or the
// new one, never a partial one, even if indigo is killed while writing.
func (l *Locks) WriteFile(path string) error {
	return writeFileAtomic(path, l.Bytes(), 0o644)
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it over path, then syncs the directory so the rename is durable.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every filesystem can sync a directory
		d.Close()
	}
	return nil
}

// HashMismatchError says that a provider package does not match any of the
// checksums its lock records.
type HashMismatchError struct {
	Provider Provider
	Version  Version
	// Package is the installed directory, or the archive or URL fetched.
	Package string
	// Installed is true when the package was already installed (found by
	// Find or Verify), false when it was being fetched by Install.
	Installed bool
	Computed  []Hash
	Expected  []Hash
}

// Error says which provider, the hashes computed and expected, and what to
// run.
func (e *HashMismatchError) Error() string {
	var b strings.Builder
	if e.Installed {
		fmt.Fprintf(&b, "provider %s v%s: the installed package does not match the dependency lock file\n", e.Provider, e.Version)
	} else {
		fmt.Fprintf(&b, "provider %s v%s: the package does not match any checksum in the dependency lock file\n", e.Provider, e.Version)
	}
	fmt.Fprintf(&b, "  package:  %s\n", e.Package)
	computed := make([]string, len(e.Computed))
	for i, h := range e.Computed {
		computed[i] = string(h)
	}
	fmt.Fprintf(&b, "  computed: %s\n", strings.Join(computed, ", "))
	b.WriteString("  expected one of:\n")
	for _, h := range e.Expected {
		fmt.Fprintf(&b, "    %s\n", h)
	}
	if len(e.Expected) == 0 {
		b.WriteString("    (no checksum recorded)\n")
	}
	if e.Installed {
		b.WriteString(`The package changed after it was installed. Run "indigo init" to reinstall the locked version, ` +
			`or "indigo init -upgrade" if the provider was changed on purpose.`)
	} else {
		b.WriteString(`Someone may have replaced the package at its source, or the lock file was written for other ` +
			`platforms from a source with different packages. Check the source; if the change is intended, ` +
			`run "indigo init -upgrade" to select and lock the provider again.`)
	}
	return b.String()
}

// Verify checks that the package unpacked in dir is the one the lock
// records for p: its h1: hash must be one of the lock's hashes. It returns
// a *HashMismatchError when it is not, and an error saying to run
// "indigo init" when p is not locked. Call it before starting a provider.
func Verify(locks *Locks, p Provider, dir string) error {
	_, err := verify(locks, p, dir)
	return err
}

// verify is Verify, returning the package's hash once it matches.
func verify(locks *Locks, p Provider, dir string) (Hash, error) {
	lp := locks.Provider(p)
	if lp == nil {
		return "", fmt.Errorf("provider %s is not in the dependency lock file: run \"indigo init\"", p)
	}
	h, err := installedHash(dir)
	if err != nil {
		return "", fmt.Errorf("verifying provider %s: %w", p, err)
	}
	if !slices.Contains(lp.Hashes, h) {
		return "", &HashMismatchError{
			Provider: p, Version: lp.Version, Package: dir, Installed: true,
			Computed: []Hash{h}, Expected: lp.Hashes,
		}
	}
	return h, nil
}
