package funcs

import (
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func num(n int64) cty.Value { return cty.NumberIntVal(n) }

func TestCIDRHost(t *testing.T) {
	runCalls(t, CIDRHostFunc, []callCase{
		{"ipv4", args(cty.StringVal("10.12.112.0/20"), num(16)), cty.StringVal("10.12.112.16"), ""},
		{"ipv4 past an octet", args(cty.StringVal("10.12.112.0/20"), num(268)), cty.StringVal("10.12.113.12"), ""},
		{"host bits ignored", args(cty.StringVal("10.12.127.5/20"), num(1)), cty.StringVal("10.12.112.1"), ""},
		{"negative counts from the end", args(cty.StringVal("10.0.0.0/24"), num(-1)), cty.StringVal("10.0.0.255"), ""},
		{"most negative", args(cty.StringVal("10.0.0.0/24"), num(-256)), cty.StringVal("10.0.0.0"), ""},
		{"ipv6", args(cty.StringVal("fd00:fd12:3456:7890:00a2::/72"), num(34)), cty.StringVal("fd00:fd12:3456:7890::22"), ""},
		{"leading zeros read as decimal", args(cty.StringVal("010.001.0.0/16"), num(3)), cty.StringVal("10.1.0.3"), ""},
		{"unknown", args(cty.UnknownVal(cty.String), num(1)), cty.UnknownVal(cty.String), ""},
		{"too big", args(cty.StringVal("10.0.0.0/24"), num(256)), cty.NilVal, "has no host numbered 256"},
		{"too negative", args(cty.StringVal("10.0.0.0/24"), num(-257)), cty.NilVal, "has no host numbered -257"},
		{"fraction", args(cty.StringVal("10.0.0.0/24"), cty.NumberFloatVal(1.5)), cty.NilVal, "whole number"},
		{"not a prefix", args(cty.StringVal("10.0.0.0"), num(1)), cty.NilVal, `"10.0.0.0" is not a CIDR prefix`},
	})
}

func TestCIDRNetmask(t *testing.T) {
	runCalls(t, CIDRNetmaskFunc, []callCase{
		{"/12", args(cty.StringVal("172.16.0.0/12")), cty.StringVal("255.240.0.0"), ""},
		{"/32", args(cty.StringVal("10.0.0.1/32")), cty.StringVal("255.255.255.255"), ""},
		{"/0", args(cty.StringVal("0.0.0.0/0")), cty.StringVal("0.0.0.0"), ""},
		{"ipv6", args(cty.StringVal("fd00::/8")), cty.NilVal, "only IPv4"},
	})
}

func TestCIDRSubnet(t *testing.T) {
	runCalls(t, CIDRSubnetFunc, []callCase{
		{"ipv4", args(cty.StringVal("172.16.0.0/12"), num(4), num(2)), cty.StringVal("172.18.0.0/16"), ""},
		{"ipv4 last", args(cty.StringVal("10.1.2.0/24"), num(4), num(15)), cty.StringVal("10.1.2.240/28"), ""},
		{"no new bits", args(cty.StringVal("10.1.2.3/24"), num(0), num(0)), cty.StringVal("10.1.2.0/24"), ""},
		{"ipv6", args(cty.StringVal("fd00:fd12:3456:7890::/56"), num(16), num(162)), cty.StringVal("fd00:fd12:3456:7800:a200::/72"), ""},
		{"ipv6 past 64 bits", args(cty.StringVal("fd00::/8"), num(72), num(1)), cty.StringVal("fd00::1:0:0:0/80"), ""},
		{"netnum too big", args(cty.StringVal("10.0.0.0/16"), num(8), num(256)), cty.NilVal, "gives 256 subnets"},
		{"negative netnum", args(cty.StringVal("10.0.0.0/16"), num(8), num(-1)), cty.NilVal, "zero or more"},
		{"too many bits", args(cty.StringVal("10.0.0.0/30"), num(3), num(0)), cty.NilVal, "goes past the 32 bits"},
		{"sensitive prefix", args(sensitive(cty.StringVal("10.0.0.0/16")), num(8), num(2)), sensitive(cty.StringVal("10.0.2.0/24")), ""},
	})
}

func TestCIDRSubnets(t *testing.T) {
	list := func(ss ...string) cty.Value { return cty.ListVal(strs(ss...)) }
	runCalls(t, CIDRSubnetsFunc, []callCase{
		{"ipv4 mixed sizes", args(cty.StringVal("10.1.0.0/16"), num(4), num(4), num(8), num(4)),
			list("10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"), ""},
		{"ipv6", args(cty.StringVal("fd00:fd12:3456:7890::/56"), num(16), num(16), num(16), num(32)),
			list("fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72", "fd00:fd12:3456:7800:300::/88"), ""},
		{"fills exactly", args(cty.StringVal("10.0.0.0/24"), num(1), num(1)), list("10.0.0.0/25", "10.0.0.128/25"), ""},
		{"none", args(cty.StringVal("10.0.0.0/24")), cty.ListValEmpty(cty.String), ""},
		{"overflow", args(cty.StringVal("10.0.0.0/24"), num(1), num(1), num(2)), cty.NilVal, "no room left in 10.0.0.0/24 for a /26 subnet after the 2 before it"},
		{"too many bits", args(cty.StringVal("10.0.0.0/24"), num(9)), cty.NilVal, "goes past the 32 bits"},
		{"unknown newbits", args(cty.StringVal("10.0.0.0/24"), cty.UnknownVal(cty.Number)), cty.UnknownVal(cty.List(cty.String)), ""},
	})
}

func TestCIDRContains(t *testing.T) {
	runCalls(t, CIDRContainsFunc, []callCase{
		{"address in", args(cty.StringVal("10.0.0.0/8"), cty.StringVal("10.1.2.3")), cty.True, ""},
		{"address out", args(cty.StringVal("10.0.0.0/8"), cty.StringVal("11.0.0.1")), cty.False, ""},
		{"prefix in", args(cty.StringVal("10.0.0.0/8"), cty.StringVal("10.5.0.0/16")), cty.True, ""},
		{"wider prefix", args(cty.StringVal("10.0.0.0/16"), cty.StringVal("10.0.0.0/8")), cty.False, ""},
		{"ipv6", args(cty.StringVal("fd00::/8"), cty.StringVal("fd12::1")), cty.True, ""},
		{"mixed families", args(cty.StringVal("10.0.0.0/8"), cty.StringVal("fd00::1")), cty.NilVal, "one family"},
		{"garbage", args(cty.StringVal("10.0.0.0/8"), cty.StringVal("nope")), cty.NilVal, "neither an IP address"},
	})
}
