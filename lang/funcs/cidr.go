package funcs

import (
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// The address arithmetic here is done on math/big integers so that IPv6
// prefixes of any length and subnet numbers beyond 64 bits work.

// network is a parsed CIDR prefix reduced to its network address.
type network struct {
	addr *big.Int // the first address, as an integer
	bits int      // 32 for IPv4, 128 for IPv6
	len  int      // the prefix length
}

// parseNetwork parses "10.0.0.0/16" or "fd00::/8"; host bits are cleared, as
// Terraform does ("10.1.2.3/16" is the network 10.1.0.0/16). IPv4 octets with
// leading zeros ("010.0.0.0/8") are read as decimal, as Go's parser did before
// Go 1.17 and as configurations written then expect.
func parseNetwork(s string) (network, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		legacy, ok := withoutLeadingZeros(s)
		if !ok {
			return network{}, fmt.Errorf("%q is not a CIDR prefix such as 10.0.0.0/16 or fd00::/8", s)
		}
		if p, err = netip.ParsePrefix(legacy); err != nil {
			return network{}, fmt.Errorf("%q is not a CIDR prefix such as 10.0.0.0/16 or fd00::/8", s)
		}
	}
	p = p.Masked()
	return network{addr: addrToInt(p.Addr()), bits: p.Addr().BitLen(), len: p.Bits()}, nil
}

// withoutLeadingZeros rewrites an IPv4 prefix whose octets have leading
// zeros into the canonical form, or reports false.
func withoutLeadingZeros(s string) (string, bool) {
	addr, bits, found := strings.Cut(s, "/")
	if !found {
		return "", false
	}
	octets := strings.Split(addr, ".")
	if len(octets) != 4 {
		return "", false
	}
	for i, o := range octets {
		if o == "" || len(o) > 3 || strings.TrimLeft(o, "0123456789") != "" {
			return "", false
		}
		n, err := strconv.Atoi(o)
		if err != nil {
			return "", false
		}
		octets[i] = strconv.Itoa(n)
	}
	return strings.Join(octets, ".") + "/" + bits, true
}

func addrToInt(a netip.Addr) *big.Int {
	b := a.AsSlice()
	return new(big.Int).SetBytes(b)
}

func intToAddr(n *big.Int, bits int) netip.Addr {
	b := n.FillBytes(make([]byte, bits/8))
	a, _ := netip.AddrFromSlice(b)
	return a
}

// size is the number of addresses in a prefix of length l.
func (n network) size(l int) *big.Int {
	return new(big.Int).Lsh(big.NewInt(1), uint(n.bits-l))
}

func (n network) prefix(addr *big.Int, l int) string {
	return netip.PrefixFrom(intToAddr(addr, n.bits), l).String()
}

// wholeNumber converts a cty number to an integer, or fails when it has a
// fractional part.
func wholeNumber(v cty.Value) (*big.Int, bool) {
	i, acc := v.AsBigFloat().Int(nil)
	return i, i != nil && acc == big.Exact
}

// CIDRHostFunc is cidrhost(prefix, hostnum): the address of the given host
// number within the prefix. A negative number counts back from the last
// address (-1 is the last).
var CIDRHostFunc = function.New(&function.Spec{
	Description: "Returns the address of the given host number within a CIDR prefix; negative numbers count from the end.",
	Params: []function.Parameter{
		{Name: "prefix", Type: cty.String},
		{Name: "hostnum", Type: cty.Number},
	},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		n, err := parseNetwork(args[0].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(0, err)
		}
		num, ok := wholeNumber(args[1])
		if !ok {
			return cty.NilVal, function.NewArgErrorf(1, "must be a whole number")
		}
		size := n.size(n.len)
		if num.Cmp(size) >= 0 || num.Cmp(new(big.Int).Neg(size)) < 0 {
			return cty.NilVal, function.NewArgErrorf(1, "a /%d prefix holds %s addresses, so it has no host numbered %s", n.len, size, num)
		}
		if num.Sign() < 0 {
			num.Add(num, size)
		}
		return cty.StringVal(intToAddr(num.Add(num, n.addr), n.bits).String()), nil
	},
})

// CIDRNetmaskFunc is cidrnetmask(prefix): the dotted-decimal netmask of an
// IPv4 prefix ("255.255.0.0" for a /16).
var CIDRNetmaskFunc = function.New(&function.Spec{
	Description: "Returns the dotted-decimal netmask of an IPv4 CIDR prefix.",
	Params: []function.Parameter{
		{Name: "prefix", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		n, err := parseNetwork(args[0].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(0, err)
		}
		if n.bits != 32 {
			return cty.NilVal, function.NewArgErrorf(0, "is an IPv6 prefix; only IPv4 prefixes have a dotted-decimal netmask")
		}
		all := new(big.Int).Sub(n.size(0), big.NewInt(1))
		host := new(big.Int).Sub(n.size(n.len), big.NewInt(1))
		return cty.StringVal(intToAddr(all.Xor(all, host), 32).String()), nil
	},
})

// CIDRSubnetFunc is cidrsubnet(prefix, newbits, netnum): the netnum-th
// subnet of the prefix extended by newbits bits.
var CIDRSubnetFunc = function.New(&function.Spec{
	Description: "Returns the subnet of a CIDR prefix extended by newbits bits with the given network number.",
	Params: []function.Parameter{
		{Name: "prefix", Type: cty.String},
		{Name: "newbits", Type: cty.Number},
		{Name: "netnum", Type: cty.Number},
	},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		n, err := parseNetwork(args[0].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(0, err)
		}
		newLen, err := n.extend(args[1])
		if err != nil {
			return cty.NilVal, function.NewArgError(1, err)
		}
		num, ok := wholeNumber(args[2])
		if !ok || num.Sign() < 0 {
			return cty.NilVal, function.NewArgErrorf(2, "must be a whole number, zero or more")
		}
		count := new(big.Int).Lsh(big.NewInt(1), uint(newLen-n.len))
		if num.Cmp(count) >= 0 {
			return cty.NilVal, function.NewArgErrorf(2, "extending a /%d by %d bits gives %s subnets, numbered from 0, so there is no subnet %s", n.len, newLen-n.len, count, num)
		}
		addr := num.Mul(num, n.size(newLen))
		return cty.StringVal(n.prefix(addr.Add(addr, n.addr), newLen)), nil
	},
})

// extend checks a newbits argument and returns the new prefix length.
func (n network) extend(newbits cty.Value) (int, error) {
	nb, ok := wholeNumber(newbits)
	if !ok || nb.Sign() < 0 {
		return 0, fmt.Errorf("must be a whole number, zero or more")
	}
	if !nb.IsInt64() || nb.Int64() > int64(n.bits-n.len) {
		return 0, fmt.Errorf("extending a /%d by %s bits goes past the %d bits of the address", n.len, nb, n.bits)
	}
	return n.len + int(nb.Int64()), nil
}

// CIDRSubnetsFunc is cidrsubnets(prefix, newbits...): consecutive subnets of
// the prefix, one per newbits argument, each as long as its newbits asks and
// aligned after the previous one, as an address plan is usually laid out.
var CIDRSubnetsFunc = function.New(&function.Spec{
	Description: "Allocates consecutive subnets of a CIDR prefix, one per newbits argument.",
	Params: []function.Parameter{
		{Name: "prefix", Type: cty.String},
	},
	VarParam:     &function.Parameter{Name: "newbits", Type: cty.Number},
	Type:         function.StaticReturnType(cty.List(cty.String)),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		n, err := parseNetwork(args[0].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(0, err)
		}
		if len(args) == 1 {
			return cty.ListValEmpty(cty.String), nil
		}
		end := new(big.Int).Add(n.addr, n.size(n.len))
		cursor := new(big.Int).Set(n.addr)
		out := make([]cty.Value, 0, len(args)-1)
		for i, nb := range args[1:] {
			newLen, err := n.extend(nb)
			if err != nil {
				return cty.NilVal, function.NewArgError(i+1, err)
			}
			size := n.size(newLen)
			// Round the cursor up to the next multiple of the subnet size.
			start := new(big.Int).Add(cursor, new(big.Int).Sub(size, big.NewInt(1)))
			start.Div(start, size).Mul(start, size)
			next := new(big.Int).Add(start, size)
			if next.Cmp(end) > 0 {
				return cty.NilVal, function.NewArgErrorf(i+1, "no room left in %s for a /%d subnet after the %d before it", args[0].AsString(), newLen, i)
			}
			out = append(out, cty.StringVal(n.prefix(start, newLen)))
			cursor = next
		}
		return cty.ListVal(out), nil
	},
})

// CIDRContainsFunc is cidrcontains(prefix, address_or_prefix), from
// OpenTofu: whether an address, or every address of a prefix, lies within a
// prefix of the same address family.
var CIDRContainsFunc = function.New(&function.Spec{
	Description: "Reports whether an IP address or CIDR prefix lies within a CIDR prefix.",
	Params: []function.Parameter{
		{Name: "containing_prefix", Type: cty.String},
		{Name: "contained", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.Bool),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		outer, err := parseNetwork(args[0].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(0, err)
		}
		s := args[1].AsString()
		var inner network
		if strings.Contains(s, "/") {
			if inner, err = parseNetwork(s); err != nil {
				return cty.NilVal, function.NewArgError(1, err)
			}
		} else {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(1, "%q is neither an IP address nor a CIDR prefix", s)
			}
			inner = network{addr: addrToInt(a), bits: a.BitLen(), len: a.BitLen()}
		}
		if inner.bits != outer.bits {
			return cty.NilVal, function.NewArgErrorf(1, "is an IPv%d value but the prefix is IPv%d; both must be of one family", family(inner.bits), family(outer.bits))
		}
		if inner.len < outer.len {
			return cty.False, nil
		}
		shift := uint(outer.bits - outer.len)
		same := new(big.Int).Rsh(inner.addr, shift).Cmp(new(big.Int).Rsh(outer.addr, shift)) == 0
		return cty.BoolVal(same), nil
	},
})

func family(bits int) int {
	if bits == 32 {
		return 4
	}
	return 6
}
