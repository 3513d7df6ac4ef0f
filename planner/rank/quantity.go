package rank

import (
	"math"
	"strconv"
	"strings"
)

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
