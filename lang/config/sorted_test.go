package config

import (
	"fmt"
	"slices"
	"testing"
)

// TestSortedResources: resources come in address order (InstanceAddr.Less:
// data sources, then ephemeral, then managed resources, each by type and
// name), whatever the maps' order.
func TestSortedResources(t *testing.T) {
	m := &Module{ManagedResources: map[string]*Resource{}, DataResources: map[string]*Resource{}, EphemeralResources: map[string]*Resource{}}
	for _, mode := range []ResourceMode{ManagedMode, DataMode, EphemeralMode} {
		for _, ty := range []string{"b_t", "a_t", "a_tt"} {
			for _, name := range []string{"z", "a", "a2", "b", "A"} {
				r := &Resource{Mode: mode, Type: ty, Name: name}
				key := fmt.Sprintf("%s.%s", ty, name)
				switch mode {
				case DataMode:
					m.DataResources[key] = r
				case EphemeralMode:
					m.EphemeralResources[key] = r
				default:
					m.ManagedResources[key] = r
				}
			}
		}
	}
	got := m.SortedResources()
	if len(got) != 45 {
		t.Fatalf("%d resources, want 45", len(got))
	}
	if !slices.IsSortedFunc(got, func(a, b *Resource) int {
		x, y := InstanceAddr{Resource: a.Addr()}, InstanceAddr{Resource: b.Addr()}
		switch {
		case x.Less(y):
			return -1
		case y.Less(x):
			return 1
		}
		return 0
	}) {
		var addrs []string
		for _, r := range got {
			addrs = append(addrs, r.Addr().String())
		}
		t.Errorf("not in address order: %q", addrs)
	}
	if got[0].Mode != DataMode || got[0].Type != "a_t" || got[0].Name != "A" || got[44].Mode != ManagedMode || got[44].Name != "z" {
		t.Errorf("first %s, last %s", got[0].Addr(), got[44].Addr())
	}
}
