package units_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/lang/units"
)

func TestParseQuantity(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		err  string
	}{
		{in: "2", want: 2},
		{in: "0.5", want: 0.5},
		{in: "500m", want: 0.5},
		{in: "1.5TiB", want: 1.5 * (1 << 40)},
		{in: "4GiB", want: 4 << 30},
		{in: "4Gi", want: 4 << 30},
		{in: "4 gib", want: 4 << 30},
		{in: "10GB", want: 10e9},
		{in: "10G", want: 10e9},
		{in: "10 GB", want: 10e9},
		{in: "4gb", want: 4e9},
		{in: "4 gb", want: 4e9},
		{in: " 3k ", want: 3000},
		{in: "3K", want: 3000},
		{in: "3KB", want: 3000},
		{in: "3kB", want: 3000},
		{in: "512B", want: 512},
		{in: "512b", want: 512},
		{in: "2Mi", want: 2 << 20},
		{in: "2M", want: 2e6},
		{in: "2MB", want: 2e6},
		{in: "2mb", want: 2e6},
		{in: "+7", want: 7},
		{in: "1EiB", want: 1 << 60},
		{in: "2PB", want: 2e15},
		{in: "2PiB", want: 2 * (1 << 50)},
		{in: "", err: "empty quantity"},
		{in: "-1", err: "negative"},
		{in: "GiB", err: "does not start with a number"},
		{in: ".", err: "does not start with a number"},
		{in: "1e3", err: `unknown unit "e3"`},
		{in: "1..2", err: `unknown unit ".2"`},
		{in: "4 cpus", err: `unknown unit "cpus"`},
		{in: "9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999EiB", err: "too large"},
	}
	for _, tc := range cases {
		got, err := units.ParseQuantity(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseQuantity(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseQuantity(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestOneVocabulary checks that TOSCA sizes and HCL quantities agree on
// every byte unit, in every case a user may write it.
func TestOneVocabulary(t *testing.T) {
	for _, unit := range []string{"B", "kB", "KiB", "MB", "MiB", "GB", "GiB", "TB", "TiB", "PB", "PiB", "EB", "EiB"} {
		for _, u := range []string{unit, strings.ToLower(unit), strings.ToUpper(unit)} {
			q, err := units.ParseQuantity("3 " + u)
			if err != nil {
				t.Errorf("quantity 3 %s: %v", u, err)
				continue
			}
			s, err := units.ParseScalar(units.Size, "3 "+u)
			if err != nil || s != q {
				t.Errorf("scalar-unit.size 3 %s = %v, %v; quantity says %v", u, s, err, q)
			}
		}
	}
	if !strings.Contains(units.Size.Units(), "PB") || !strings.Contains(units.QuantityUnits, "P") {
		t.Error("PB missing from the documented units")
	}
}

func TestParseScalar(t *testing.T) {
	cases := []struct {
		class units.Class
		in    string
		want  float64
		err   bool
	}{
		{units.Size, "4 GB", 4e9, false},
		{units.Size, "4 gb", 4e9, false},
		{units.Size, "2GiB", 2 << 30, false},
		{units.Size, "512 kB", 512e3, false},
		{units.Size, "1 PB", 1e15, false},
		{units.Time, "30 s", 30, false},
		{units.Time, "2 h", 7200, false},
		{units.Time, "2 H", 7200, false},
		{units.Frequency, "2.4 GHz", 2.4e9, false},
		{units.Bitrate, "100 Mbps", 100e6, false},
		{units.Bitrate, "1 Gibps", 1 << 30, false},
		{units.Size, "4", 0, true},
		{units.Size, "4 G", 0, true},
		{units.Size, "4 parsecs", 0, true},
		{units.Time, "4 weeks", 0, true},
		{"scalar-unit.smell", "4 x", 0, true},
	}
	for _, tc := range cases {
		got, err := units.ParseScalar(tc.class, tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("ParseScalar(%s, %q) = %v, %v", tc.class, tc.in, got, err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"30d", 30 * 24 * time.Hour, false},
		{"2w", 14 * 24 * time.Hour, false},
		{"1y", 365 * 24 * time.Hour, false},
		{"1.5d", 36 * time.Hour, false},
		{"5m", 5 * time.Minute, false},
		{"1h30m", 90 * time.Minute, false},
		{"250ms", 250 * time.Millisecond, false},
		{"5 minutes", 0, true},
		{"", 0, true},
		{"-5m", 0, true},
		{"d", 0, true},
		{"3dd", 0, true},
		{"99999999999999y", 0, true},
	}
	for _, tc := range cases {
		got, err := units.ParseDuration(tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("ParseDuration(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{"2", "500m", "1.5TiB", "10GB", "4 Gi", "-1", "", "1e3", "9999999999999999999999EiB", "4 gb", "30d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (float64, error){
			units.ParseQuantity,
			func(s string) (float64, error) { return units.ParseScalar(units.Size, s) },
			func(s string) (float64, error) { d, err := units.ParseDuration(s); return float64(d), err },
		} {
			v, err := parse(s)
			if err != nil {
				continue
			}
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%q parsed as %v", s, v)
			}
		}
	})
}
