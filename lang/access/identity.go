package access

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// IdentityKind says what an identity names.
type IdentityKind string

const (
	// User is a person or service account known by name: a local account,
	// a MinIO user, a Kubernetes user, the preferred_username of a token.
	User IdentityKind = "user"
	// Subject is an OIDC subject (the sub claim), as INDIGO IAM issued them.
	Subject IdentityKind = "sub"
	// Group is one of the configuration's group blocks.
	Group IdentityKind = "group"
)

// IdentityKinds are the kinds an identity string may start with.
var IdentityKinds = []IdentityKind{User, Subject, Group}

// MaxIdentityLength bounds an identity's name, in bytes.
const MaxIdentityLength = 256

// Identity is a principal as a policy or a group's members name it.
type Identity struct {
	Kind IdentityKind
	Name string
}

// String prints the identity the way it is written: KIND:NAME.
func (id Identity) String() string { return string(id.Kind) + ":" + id.Name }

// ParseIdentity reads an identity: "user:NAME", "sub:SUBJECT" or
// "group:NAME"; a string without a kind ("alice") is a user. A group name
// follows the rules of block names; other names may hold any printable
// character but white space, and at most MaxIdentityLength bytes.
func ParseIdentity(s string) (Identity, error) {
	if s == "" {
		return Identity{}, fmt.Errorf("an identity cannot be empty: write user:NAME, sub:SUBJECT or group:NAME")
	}
	if !utf8.ValidString(s) {
		return Identity{}, fmt.Errorf("an identity must be valid UTF-8")
	}
	id := Identity{Kind: User, Name: s}
	if kind, name, found := strings.Cut(s, ":"); found {
		id = Identity{Kind: IdentityKind(kind), Name: name}
		known := false
		for _, k := range IdentityKinds {
			known = known || k == id.Kind
		}
		if !known {
			return Identity{}, fmt.Errorf("%q is not a kind of identity: write user:NAME, sub:SUBJECT or group:NAME", kind)
		}
	}
	if id.Name == "" {
		return Identity{}, fmt.Errorf("%q names nobody: put a name after the colon", s)
	}
	if len(id.Name) > MaxIdentityLength {
		return Identity{}, fmt.Errorf("an identity's name is at most %d bytes long", MaxIdentityLength)
	}
	for _, r := range id.Name {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return Identity{}, fmt.Errorf("%q holds white space or a control character, which no identity does", s)
		}
	}
	if id.Kind == Group && !hclsyntax.ValidIdentifier(id.Name) {
		return Identity{}, fmt.Errorf("%q is not a group name: a group is named like its block, with letters, digits, underscores and dashes", id.Name)
	}
	return id, nil
}
