package s3

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// canonicalPolicy re-encodes an IAM policy document so that two documents
// that mean the same give the same bytes: the forms MinIO normalises
// (a single Action, Resource or condition value as a string or as a
// one-element list; an empty Sid; a single Statement object) are made one,
// the lists that are sets (actions, resources, principals, condition
// values, and the statements themselves) are sorted and deduplicated, and
// object keys come out sorted with no insignificant space. The server
// re-encodes what it stores (and does not keep the order of a statement's
// resources), so this is what Read compares.
func canonicalPolicy(doc string) (string, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("not JSON: %w", err)
	}
	if dec.More() {
		return "", errors.New("not JSON: more than one value")
	}
	top, ok := v.(map[string]any)
	if !ok {
		return "", errors.New("a policy document is a JSON object")
	}
	if id, ok := top["Id"].(string); ok && id == "" {
		delete(top, "Id")
	}
	stmts, err := canonicalStatements(top["Statement"])
	if err != nil {
		return "", err
	}
	top["Statement"] = stmts
	return encodeCanonical(top), nil
}

func canonicalStatements(v any) ([]any, error) {
	var list []any
	switch s := v.(type) {
	case nil:
		return nil, errors.New(`a policy document needs a "Statement" list`)
	case map[string]any:
		list = []any{s}
	case []any:
		list = s
	default:
		return nil, errors.New(`"Statement" must be a list of statement objects`)
	}
	for i, e := range list {
		st, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("statement %d is not an object", i+1)
		}
		if sid, ok := st["Sid"].(string); ok && sid == "" {
			delete(st, "Sid")
		}
		for _, k := range []string{"Action", "NotAction", "Resource", "NotResource"} {
			if x, ok := st[k]; ok {
				st[k] = stringSet(x)
			}
		}
		for _, k := range []string{"Principal", "NotPrincipal"} {
			if m, ok := st[k].(map[string]any); ok {
				for pk, pv := range m {
					m[pk] = stringSet(pv)
				}
			}
		}
		if cond, ok := st["Condition"].(map[string]any); ok {
			for _, ops := range cond {
				if keys, ok := ops.(map[string]any); ok {
					for ck, cv := range keys {
						keys[ck] = stringSet(cv)
					}
				}
			}
		}
	}
	return sortedUnique(list), nil
}

// stringSet makes a value that may be one value or a list of them a sorted
// list without duplicates.
func stringSet(v any) any {
	l, ok := v.([]any)
	if !ok {
		l = []any{v}
	}
	return sortedUnique(l)
}

func sortedUnique(l []any) []any {
	type keyed struct {
		key string
		v   any
	}
	ks := make([]keyed, 0, len(l))
	for _, v := range l {
		ks = append(ks, keyed{encodeCanonical(v), v})
	}
	sort.SliceStable(ks, func(i, j int) bool { return ks[i].key < ks[j].key })
	out := make([]any, 0, len(ks))
	for i, k := range ks {
		if i > 0 && k.key == ks[i-1].key {
			continue
		}
		out = append(out, k.v)
	}
	return out
}

// encodeCanonical is compact JSON with sorted keys (encoding/json sorts map
// keys) and without HTML escaping.
func encodeCanonical(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only values decoded from JSON come here.
		panic(err)
	}
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}

// policyDocumentType is the type of a policy document attribute: a JSON
// string whose values are equal when their canonical forms are (see
// canonicalPolicy), so reading back the server's re-encoding of the
// document the configuration holds shows no change.
type policyDocumentType struct{ basetypes.StringType }

var _ basetypes.StringTypable = policyDocumentType{}

func (t policyDocumentType) Equal(o attr.Type) bool {
	_, ok := o.(policyDocumentType)
	return ok
}

func (t policyDocumentType) String() string { return "s3.policyDocumentType" }

func (t policyDocumentType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return policyDocument{StringValue: in}, nil
}

func (t policyDocumentType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return policyDocument{StringValue: s}, nil
}

func (t policyDocumentType) ValueType(context.Context) attr.Value { return policyDocument{} }

// policyDocument is a value of policyDocumentType.
type policyDocument struct{ basetypes.StringValue }

var _ basetypes.StringValuableWithSemanticEquals = policyDocument{}

func (v policyDocument) Equal(o attr.Value) bool {
	other, ok := o.(policyDocument)
	return ok && v.StringValue.Equal(other.StringValue)
}

func (v policyDocument) Type(context.Context) attr.Type { return policyDocumentType{} }

// StringSemanticEquals reports whether both documents have the same
// canonical form. A document that does not parse equals only itself.
func (v policyDocument) StringSemanticEquals(_ context.Context, nv basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := nv.(policyDocument)
	if !ok {
		return false, nil
	}
	a, errA := canonicalPolicy(v.ValueString())
	b, errB := canonicalPolicy(other.ValueString())
	if errA != nil || errB != nil {
		return v.ValueString() == other.ValueString(), nil
	}
	return a == b, nil
}

func newPolicyDocument(s string) policyDocument {
	return policyDocument{StringValue: basetypes.NewStringValue(s)}
}

// policyJSON checks that a policy document is a JSON object with
// statements; what the statements say is the server's to check.
type policyJSON struct{}

func (policyJSON) Description(context.Context) string {
	return `a JSON policy document: {"Version": "2012-10-17", "Statement": [...]}`
}
func (v policyJSON) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v policyJSON) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := canonicalPolicy(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid policy document",
			fmt.Sprintf("The document is not a policy: %v. Write %s, e.g. with jsonencode().", err, v.Description(ctx)))
	}
}

// policyName checks a canned policy's name: MinIO refuses commas (a claim
// may list several names separated by them) and the empty name.
type policyName struct{}

func (policyName) Description(context.Context) string {
	return "a non-empty name without commas or spaces"
}
func (v policyName) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v policyName) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name := req.ConfigValue.ValueString()
	if name == "" || bytes.ContainsAny([]byte(name), ", \t\n") {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid policy name",
			fmt.Sprintf("%q is not a valid policy name: use %s. With OpenID groups, the name is the group's name.", name, v.Description(ctx)))
	}
}
