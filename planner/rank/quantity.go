package rank

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// quantityUnits maps a unit suffix to its multiplier. Binary units (Ki, Mi,
// ...) are powers of 1024, decimal ones (k, M, G, ...) powers of 1000; a
// trailing B is allowed on both ("GiB", "GB"). "m" is milli, as in a
// Kubernetes cpu request ("500m" is half a cpu).
var quantityUnits = map[string]float64{
	"":  1,
	"B": 1,
	"m": 1e-3,
	"k": 1e3, "K": 1e3, "kB": 1e3, "KB": 1e3,
	"M": 1e6, "MB": 1e6,
	"G": 1e9, "GB": 1e9,
	"T": 1e12, "TB": 1e12,
	"P": 1e15, "PB": 1e15,
	"E": 1e18, "EB": 1e18,
	"Ki": 1 << 10, "KiB": 1 << 10,
	"Mi": 1 << 20, "MiB": 1 << 20,
	"Gi": 1 << 30, "GiB": 1 << 30,
	"Ti": 1 << 40, "TiB": 1 << 40,
	"Pi": 1 << 50, "PiB": 1 << 50,
	"Ei": 1 << 60, "EiB": 1 << 60,
}

// ParseQuantity reads a non-negative amount with an optional unit:
//
//	"2", "0.5"                      plain numbers
//	"500m"                          milli: 0.5 (cpus, as Kubernetes writes them)
//	"10k", "10M", "10G", "10GB"     decimal: ×1000, ×1000², ... (k K M G T P E, B optional)
//	"4Ki", "4GiB", "1.5TiB"         binary: ×1024, ×1024², ... (Ki Mi Gi Ti Pi Ei, B optional)
//	"512B"                          bytes
//
// Units are case-sensitive ("m" is milli, "M" mega) except that "kB" and "KB"
// are both accepted. Space between number and unit is allowed. Exponent
// notation is not ("1E3" would read as 1 exa-unit missing its number).
func ParseQuantity(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty quantity")
	}
	if t[0] == '-' {
		return 0, fmt.Errorf("quantity %q is negative", s)
	}
	end := 0
	if t[0] == '+' {
		end = 1
	}
	digits, dot := 0, false
	for ; end < len(t); end++ {
		c := t[end]
		if c >= '0' && c <= '9' {
			digits++
			continue
		}
		if c == '.' && !dot {
			dot = true
			continue
		}
		break
	}
	if digits == 0 {
		return 0, fmt.Errorf("quantity %q does not start with a number", s)
	}
	n, err := strconv.ParseFloat(t[:end], 64)
	if err != nil {
		return 0, fmt.Errorf("quantity %q: %w", s, err)
	}
	unit := strings.TrimSpace(t[end:])
	mult, ok := quantityUnits[unit]
	if !ok {
		return 0, fmt.Errorf("quantity %q has unknown unit %q: use m, k, M, G, T, P, E (×1000), Ki, Mi, Gi, Ti, Pi, Ei (×1024), optionally followed by B", s, unit)
	}
	v := n * mult
	if math.IsInf(v, 0) {
		return 0, fmt.Errorf("quantity %q is too large", s)
	}
	return v, nil
}

// isByteResource says whether a resource is counted in bytes (and printed
// with binary units).
func isByteResource(resource string) bool {
	switch resource {
	case "memory", "storage", "disk", "ram", "volume":
		return true
	}
	return strings.HasSuffix(resource, "_bytes")
}

var byteUnits = []struct {
	name string
	size float64
}{
	{"EiB", 1 << 60}, {"PiB", 1 << 50}, {"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
}

// FormatQuantity prints an amount of a resource the way a person reads it:
// bytes with binary units for memory, storage, disk and *_bytes ("1.5TiB"),
// other resources as plain numbers with at most three decimals ("0.5", "400").
func FormatQuantity(resource string, v float64) string {
	return string(appendQuantity(make([]byte, 0, 16), resource, v))
}

func appendQuantity(buf []byte, resource string, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.AppendFloat(buf, v, 'g', -1, 64)
	}
	if isByteResource(resource) {
		abs := math.Abs(v)
		for _, u := range byteUnits {
			if abs >= u.size {
				return append(appendNumber(buf, v/u.size, 2), u.name...)
			}
		}
		return append(appendNumber(buf, v, 0), 'B')
	}
	return appendNumber(buf, v, 3)
}

// formatNumber prints v with at most decimals decimals, trailing zeros cut.
func formatNumber(v float64, decimals int) string {
	return string(appendNumber(make([]byte, 0, 16), v, decimals))
}

func appendNumber(buf []byte, v float64, decimals int) []byte {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.AppendInt(buf, int64(v), 10) // the common case, and much faster
	}
	if decimals > 0 && decimals <= 3 && math.Abs(v) < 1e12 {
		return appendFixed(buf, v, decimals)
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, v, 'f', decimals, 64)
	if decimals > 0 {
		for buf[len(buf)-1] == '0' {
			buf = buf[:len(buf)-1]
		}
		if buf[len(buf)-1] == '.' {
			buf = buf[:len(buf)-1]
		}
	}
	if string(buf[start:]) == "-0" {
		buf = append(buf[:start], '0')
	}
	return buf
}

var pow10 = [...]float64{1, 10, 100, 1000}

// appendFixed prints v rounded to decimals (1 to 3) decimals, trailing
// zeros cut, with integer arithmetic: notes are printed for every site of
// every component, and strconv's exact fixed-precision path is slow.
func appendFixed(buf []byte, v float64, decimals int) []byte {
	scaled := int64(math.Round(math.Abs(v) * pow10[decimals]))
	if scaled == 0 {
		return append(buf, '0')
	}
	if v < 0 {
		buf = append(buf, '-')
	}
	unit := int64(pow10[decimals])
	buf = strconv.AppendInt(buf, scaled/unit, 10)
	frac := scaled % unit
	if frac == 0 {
		return buf
	}
	buf = append(buf, '.')
	for d := unit / 10; d > 0 && frac > 0; d /= 10 {
		buf = append(buf, byte('0'+frac/d))
		frac %= d
	}
	return buf
}
