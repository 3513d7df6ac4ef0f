package access

import (
	"fmt"
	"maps"
	"slices"
)

// ParseAccounts reads a local site's accounts setting, which maps
// identities to the site's accounts: "user:alice" (or "alice") to a user
// account, "group:cms" to a group account. Account names are what setfacl
// takes: letters, digits, '.', '_' and '-', not starting with '-', at most
// 32 characters, or a numeric id.
func ParseAccounts(m map[string]string) (map[Identity]string, error) {
	out := make(map[Identity]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		id, err := ParseIdentity(k)
		if err != nil {
			return nil, fmt.Errorf("accounts key %q: %s", k, err)
		}
		if id.Kind == Subject {
			return nil, fmt.Errorf("accounts key %q: an OIDC subject has no local account; map user:NAME or group:NAME", k)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("accounts maps %s twice", id)
		}
		if err := checkAccount(m[k]); err != nil {
			return nil, fmt.Errorf("account %q for %s: %s", m[k], k, err)
		}
		out[id] = m[k]
	}
	return out, nil
}

func checkAccount(a string) error {
	if a == "" || len(a) > 32 {
		return fmt.Errorf("an account name has 1 to 32 characters")
	}
	if a[0] == '-' {
		return fmt.Errorf("an account name cannot start with '-'")
	}
	for _, r := range a {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("an account name holds only letters, digits, '.', '_' and '-'")
		}
	}
	return nil
}
