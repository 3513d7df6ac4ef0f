package encrypt

import (
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
)

// EnvVar names the environment variable that holds an encryption block's
// content (HCL or JSON), as in OpenTofu: it keeps the passphrase out of
// the repository. Its blocks replace those of the same address in the
// configuration.
const EnvVar = "TF_ENCRYPTION"

// Config is a decoded encryption block.
type Config struct {
	KeyProviders map[string]*KeyProvider // by address
	Methods      map[string]*Method      // by address
	State, Plan  *Target
}

var blockSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "key_provider", LabelNames: []string{"type", "name"}},
		{Type: "method", LabelNames: []string{"type", "name"}},
		{Type: "state"},
		{Type: "plan"},
		{Type: "remote_state_data_sources"},
	},
}

var targetSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "method"}, {Name: "enforced"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "fallback"}},
}

type rawConfig struct {
	providers map[string]*hcl.Block
	methods   map[string]*hcl.Block
	targets   map[string]*hcl.Block
	order     []string
}

func collect(body hcl.Body, into *rawConfig) hcl.Diagnostics {
	content, diags := body.Content(blockSchema)
	for _, b := range content.Blocks {
		switch b.Type {
		case "key_provider":
			into.providers[keyProviderAddrStart+b.Labels[0]+"."+b.Labels[1]] = b
		case "method":
			into.methods["method."+b.Labels[0]+"."+b.Labels[1]] = b
		case "state", "plan":
			into.targets[b.Type] = b
		case "remote_state_data_sources":
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "remote_state_data_sources is ignored",
				Detail:   "indigo has no terraform_remote_state data source encryption; this block has no effect.",
				Subject:  b.DefRange.Ptr(),
			})
		}
	}
	return diags
}

// Load decodes the encryption block body (nil when the configuration has
// none) merged with TF_ENCRYPTION from env (os.Getenv when env is nil).
// It returns nil and no diagnostics when neither configures encryption.
func Load(body hcl.Body, env func(string) string) (*Config, hcl.Diagnostics) {
	if env == nil {
		env = os.Getenv
	}
	raw := &rawConfig{providers: map[string]*hcl.Block{}, methods: map[string]*hcl.Block{}, targets: map[string]*hcl.Block{}}
	var diags hcl.Diagnostics
	if body != nil {
		diags = append(diags, collect(body, raw)...)
	}
	if src := strings.TrimSpace(env(EnvVar)); src != "" {
		var f *hcl.File
		var pd hcl.Diagnostics
		if strings.HasPrefix(src, "{") {
			f, pd = hcljson.Parse([]byte(src), EnvVar)
		} else {
			f, pd = hclsyntax.ParseConfig([]byte(src), EnvVar, hcl.InitialPos)
		}
		diags = append(diags, pd...)
		if !pd.HasErrors() {
			diags = append(diags, collect(f.Body, raw)...)
		}
	}
	if diags.HasErrors() || len(raw.providers)+len(raw.methods)+len(raw.targets) == 0 {
		return nil, diags
	}
	c := &Config{KeyProviders: map[string]*KeyProvider{}, Methods: map[string]*Method{}}
	for addr, b := range raw.providers {
		kp, d := decodeKeyProvider(b)
		diags = append(diags, d...)
		if kp != nil {
			c.KeyProviders[addr] = kp
		}
	}
	for addr, b := range raw.methods {
		m, d := c.decodeMethod(b)
		diags = append(diags, d...)
		if m != nil {
			c.Methods[addr] = m
		}
	}
	if b := raw.targets["state"]; b != nil {
		c.State, _ = c.decodeTarget("state", b, &diags)
	}
	if b := raw.targets["plan"]; b != nil {
		c.Plan, _ = c.decodeTarget("plan", b, &diags)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return c, diags
}

func decodeKeyProvider(b *hcl.Block) (*KeyProvider, hcl.Diagnostics) {
	if b.Labels[0] != pbkdf2Type {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unsupported key provider",
			Detail:   fmt.Sprintf("indigo implements the pbkdf2 key provider; %q is not available. Use key_provider \"pbkdf2\" with a passphrase (from TF_ENCRYPTION to keep it out of the repository).", b.Labels[0]),
			Subject:  b.LabelRanges[0].Ptr(),
		}}
	}
	var v struct {
		Passphrase   string  `hcl:"passphrase"`
		KeyLength    *int    `hcl:"key_length,optional"`
		Iterations   *int    `hcl:"iterations,optional"`
		SaltLength   *int    `hcl:"salt_length,optional"`
		HashFunction *string `hcl:"hash_function,optional"`
	}
	diags := gohcl.DecodeBody(b.Body, nil, &v)
	if diags.HasErrors() {
		return nil, diags
	}
	kp := &KeyProvider{Name: b.Labels[1], Passphrase: v.Passphrase, KeyLength: DefaultKeyLength, Iterations: DefaultIterations, SaltLength: DefaultSaltLength, HashFunction: DefaultHashFunction}
	if v.KeyLength != nil {
		kp.KeyLength = *v.KeyLength
	}
	if v.Iterations != nil {
		kp.Iterations = *v.Iterations
	}
	if v.SaltLength != nil {
		kp.SaltLength = *v.SaltLength
	}
	if v.HashFunction != nil {
		kp.HashFunction = *v.HashFunction
	}
	bad := func(what string) hcl.Diagnostics {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid pbkdf2 key provider", Detail: what, Subject: b.DefRange.Ptr()}}
	}
	switch {
	case len(kp.Passphrase) < MinPassphraseLength:
		return nil, bad(fmt.Sprintf("The passphrase must be at least %d characters long.", MinPassphraseLength))
	case kp.Iterations < MinIterations:
		return nil, bad(fmt.Sprintf("iterations must be at least %d.", MinIterations))
	case kp.KeyLength != 16 && kp.KeyLength != 24 && kp.KeyLength != 32:
		return nil, bad("key_length must be 16, 24 or 32 (bytes of an AES key).")
	case kp.SaltLength < 1:
		return nil, bad("salt_length must be positive.")
	case hashFunc(kp.HashFunction) == nil:
		return nil, bad(fmt.Sprintf("hash_function must be \"sha256\" or \"sha512\", not %q.", kp.HashFunction))
	}
	return kp, nil
}

func (c *Config) decodeMethod(b *hcl.Block) (*Method, hcl.Diagnostics) {
	m := &Method{Type: b.Labels[0], Name: b.Labels[1]}
	switch m.Type {
	case unencryptedType:
		_, diags := b.Body.Content(&hcl.BodySchema{})
		return m, diags
	case aesGCMType:
	default:
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unsupported encryption method",
			Detail:   fmt.Sprintf("indigo implements the aes_gcm and unencrypted methods; %q is not available.", m.Type),
			Subject:  b.LabelRanges[0].Ptr(),
		}}
	}
	content, diags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "keys", Required: true}, {Name: "aad"}}})
	if diags.HasErrors() {
		return nil, diags
	}
	attr := content.Attributes["keys"]
	tr, td := hcl.AbsTraversalForExpr(attr.Expr)
	addr := ""
	if !td.HasErrors() {
		addr = traversalAddr(tr)
	}
	kp := c.KeyProviders[addr]
	if kp == nil {
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown key provider",
			Detail:   "keys must name a key_provider block of the encryption block, as key_provider.pbkdf2.NAME.",
			Subject:  attr.Expr.Range().Ptr(),
		})
	}
	m.Keys = kp
	if a, ok := content.Attributes["aad"]; ok {
		var aad []int
		if d := gohcl.DecodeExpression(a.Expr, nil, &aad); d.HasErrors() {
			return nil, append(diags, d...)
		}
		for _, x := range aad {
			m.AAD = append(m.AAD, byte(x))
		}
	}
	return m, diags
}

func traversalAddr(tr hcl.Traversal) string {
	parts := []string{tr.RootName()}
	for _, s := range tr[1:] {
		a, ok := s.(hcl.TraverseAttr)
		if !ok {
			return ""
		}
		parts = append(parts, a.Name)
	}
	return strings.Join(parts, ".")
}

// decodeTarget resolves a state/plan block and its fallback chain.
func (c *Config) decodeTarget(name string, b *hcl.Block, diags *hcl.Diagnostics) (*Target, bool) {
	t := &Target{Name: name}
	enforced := false
	body := b.Body
	for depth := 0; body != nil; depth++ {
		content, d := body.Content(targetSchema)
		*diags = append(*diags, d...)
		if d.HasErrors() {
			return nil, false
		}
		if a, ok := content.Attributes["enforced"]; ok {
			if depth > 0 {
				*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "enforced belongs to the " + name + " block", Detail: "Set enforced on the " + name + " block, not in a fallback.", Subject: a.Range.Ptr()})
				return nil, false
			}
			*diags = append(*diags, gohcl.DecodeExpression(a.Expr, nil, &enforced)...)
		}
		a, ok := content.Attributes["method"]
		if !ok {
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing method", Detail: "Each " + name + " and fallback block needs method = method.TYPE.NAME.", Subject: b.DefRange.Ptr()})
			return nil, false
		}
		tr, td := hcl.AbsTraversalForExpr(a.Expr)
		var m *Method
		if !td.HasErrors() {
			m = c.Methods[traversalAddr(tr)]
		}
		if m == nil {
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown method", Detail: "method must name a method block of the encryption block, as method.aes_gcm.NAME or method.unencrypted.NAME.", Subject: a.Expr.Range().Ptr()})
			return nil, false
		}
		t.Methods = append(t.Methods, m)
		body = nil
		for _, fb := range content.Blocks {
			body = fb.Body
		}
	}
	if enforced && t.Methods[0].Type == unencryptedType {
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unencrypted " + name + " is forbidden", Detail: "The " + name + " block is enforced, so its method cannot be unencrypted. Keep the unencrypted method only as a fallback while migrating.", Subject: b.DefRange.Ptr()})
		return nil, false
	}
	return t, true
}
