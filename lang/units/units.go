// Package units is indigo's one vocabulary of amounts: quantities of
// resources (cpus, memory, storage) as HCL, placement, metrics and TOSCA
// write them, TOSCA's scalar units, and durations.
//
// The case rule, the same everywhere: unit names are case-insensitive
// ("4 gb", "4 GB" and "4 Gb" are all four gigabytes), with one exception:
// a bare "m" is milli (Kubernetes' "500m" cpus) and a bare "M" is mega.
// A trailing "B" (bytes) is optional and changes nothing: "4Gi" is "4GiB".
//
//	quantities   2  0.5  500m  10k  10M  10G  10T  10P  10E  (×1000)
//	             4Ki 4Mi 4Gi 4Ti 4Pi 4Ei                    (×1024)
//	             512B 4kB 4KiB 4MB 4MiB 4GB 4GiB 4TB 4TiB 4PB 4PiB 4EB 4EiB
//	durations    90s 5m 1h30m 250ms (Go's form) and 30d 2w 1y (days, weeks, 365-day years)
//
// It is not for formatting (planner/rank prints quantities) and knows
// nothing about which resource a number is of.
package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// decimal and binary prefixes, by lower-case name.
var prefixes = map[string]float64{
	"":  1,
	"k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "p": 1e15, "e": 1e18,
	"ki": 1 << 10, "mi": 1 << 20, "gi": 1 << 30, "ti": 1 << 40, "pi": 1 << 50, "ei": 1 << 60,
}

// QuantityUnits lists the units ParseQuantity takes, for messages and docs.
const QuantityUnits = "m (milli), k, M, G, T, P, E (×1000), Ki, Mi, Gi, Ti, Pi, Ei (×1024), each optionally followed by B"

// ParseQuantity reads a non-negative amount with an optional unit, such as
// "2", "500m", "10GB", "4 gb" or "1.5TiB". Space between the number and the
// unit is allowed; exponent notation is not.
func ParseQuantity(s string) (float64, error) {
	n, unit, err := splitNumber(s, "quantity")
	if err != nil {
		return 0, err
	}
	mult, ok := quantityMultiplier(unit)
	if !ok {
		return 0, fmt.Errorf("quantity %q has unknown unit %q: use %s", s, unit, QuantityUnits)
	}
	return scaled(s, "quantity", n, mult)
}

func quantityMultiplier(unit string) (float64, bool) {
	if unit == "m" {
		return 1e-3, true
	}
	u := strings.ToLower(unit)
	if u == "b" {
		return 1, true
	}
	u = strings.TrimSuffix(u, "b")
	mult, ok := prefixes[u]
	return mult, ok
}

func scaled(s, what string, n, mult float64) (float64, error) {
	v := n * mult
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%s %q is too large", what, s)
	}
	return v, nil
}

// splitNumber splits "  12.5 GiB " into 12.5 and "GiB".
func splitNumber(s, what string) (float64, string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, "", fmt.Errorf("empty %s", what)
	}
	if t[0] == '-' {
		return 0, "", fmt.Errorf("%s %q is negative", what, s)
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
		return 0, "", fmt.Errorf("%s %q does not start with a number", what, s)
	}
	n, err := strconv.ParseFloat(t[:end], 64)
	if err != nil {
		return 0, "", fmt.Errorf("%s %q: %w", what, s, err)
	}
	return n, strings.TrimSpace(t[end:]), nil
}

// Class is a TOSCA scalar-unit type.
type Class string

// The TOSCA scalar-unit classes.
const (
	Size      Class = "scalar-unit.size"
	Time      Class = "scalar-unit.time"
	Frequency Class = "scalar-unit.frequency"
	Bitrate   Class = "scalar-unit.bitrate"
)

// Classes are the scalar-unit types, in the order docs list them.
var Classes = []Class{Size, Time, Frequency, Bitrate}

var otherScalars = map[Class]map[string]float64{
	Time:      {"d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9},
	Frequency: {"hz": 1, "khz": 1e3, "mhz": 1e6, "ghz": 1e9},
}

// Units lists the units of a class, for messages and docs.
func (c Class) Units() string {
	switch c {
	case Size:
		return "B, kB, KiB, MB, MiB, GB, GiB, TB, TiB, PB, PiB, EB, EiB"
	case Time:
		return "d, h, m, s, ms, us, ns"
	case Frequency:
		return "Hz, kHz, MHz, GHz"
	case Bitrate:
		return "bps, kbps, Kibps, Mbps, Mibps, Gbps, Gibps, Tbps, Tibps"
	}
	return ""
}

// Example is a value of the class, for messages.
func (c Class) Example() string {
	switch c {
	case Time:
		return "30 s"
	case Frequency:
		return "2.4 GHz"
	case Bitrate:
		return "100 Mbps"
	}
	return "4 GB"
}

// ParseScalar reads a TOSCA scalar-unit value of class c in its base unit
// (bytes, seconds, hertz, bits per second). Unlike a quantity it must have
// a unit, and every unit is case-insensitive: in TOSCA "4 gb" is 4 GB.
func ParseScalar(c Class, s string) (float64, error) {
	n, unit, err := splitNumber(s, string(c))
	if err != nil {
		return 0, fmt.Errorf("%q is not a %s: write a number and a unit, as in %q", s, c, c.Example())
	}
	if unit == "" {
		return 0, fmt.Errorf("%q is not a %s: it has no unit; write a number and a unit, as in %q", s, c, c.Example())
	}
	u := strings.ToLower(unit)
	var mult float64
	ok := false
	switch c {
	case Size:
		if u == "b" {
			mult, ok = 1, true
		} else if strings.HasSuffix(u, "b") {
			mult, ok = prefixes[strings.TrimSuffix(u, "b")]
		}
	case Bitrate:
		if strings.HasSuffix(u, "bps") {
			mult, ok = prefixes[strings.TrimSuffix(u, "bps")]
		}
	case Time, Frequency:
		mult, ok = otherScalars[c][u]
	default:
		return 0, fmt.Errorf("%s is not a scalar-unit type", c)
	}
	if !ok {
		return 0, fmt.Errorf("%q has an unknown unit %q for %s; use one of %s", s, unit, c, c.Units())
	}
	return scaled(s, string(c), n, mult)
}

// Day and Year are the calendar units ParseDuration adds to Go's.
const (
	Day  = 24 * time.Hour
	Week = 7 * Day
	Year = 365 * Day
)

// DurationForms says how to write a duration, for messages.
const DurationForms = `a number and a unit: s, m, h, d (days), w (weeks) or y (365-day years), e.g. "30d", "5m" or "1h30m"`

// ParseDuration reads a non-negative duration: Go's form ("90s", "5m",
// "1h30m", "250ms"), or a whole or decimal number of days, weeks or years
// ("30d", "2w", "1.5y").
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty duration: write %s", DurationForms)
	}
	if last := t[len(t)-1]; last == 'd' || last == 'w' || last == 'y' {
		n, unit, err := splitNumber(t, "duration")
		if err == nil && len(unit) == 1 {
			mult := map[string]time.Duration{"d": Day, "w": Week, "y": Year}[unit]
			d := n * float64(mult)
			if d > math.MaxInt64 {
				return 0, fmt.Errorf("duration %q is too long", s)
			}
			return time.Duration(d), nil
		}
		return 0, fmt.Errorf("%q is not a duration: write %s", s, DurationForms)
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write %s", s, DurationForms)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	return d, nil
}
