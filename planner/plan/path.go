package plan

import (
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// FormatPath writes an attribute path the way a user writes it in a
// configuration: tags["Name"], disks[0].size, network.ports. A set element
// step, which has no written form, prints as [*].
func FormatPath(p cty.Path) string {
	var b strings.Builder
	for _, s := range p {
		switch s := s.(type) {
		case cty.GetAttrStep:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		case cty.IndexStep:
			b.WriteString(formatIndex(s.Key))
		}
	}
	return b.String()
}

func formatIndex(key cty.Value) string {
	key, _ = key.Unmark()
	if !key.IsKnown() || key.IsNull() {
		return "[*]"
	}
	switch key.Type() {
	case cty.String:
		return "[" + strconv.Quote(key.AsString()) + "]"
	case cty.Number:
		return "[" + key.AsBigFloat().Text('f', -1) + "]"
	}
	return "[*]"
}

// pathHasPrefix reports whether path starts with prefix.
func pathHasPrefix(path, prefix cty.Path) bool {
	if len(prefix) > len(path) {
		return false
	}
	return path[:len(prefix)].Equals(prefix)
}
