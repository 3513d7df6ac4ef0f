package rank

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Catalogue is what a site offers its servers: the sizes (flavors) and the
// images it has. It is the part of INDIGO's CMDB a site declares itself.
type Catalogue struct {
	Flavors []Flavor
	Images  []Image
}

// Flavor is one size of server a site offers. Memory and Disk are in
// bytes; zero means none (disk) or not said.
type Flavor struct {
	Name   string
	CPUs   float64
	Memory float64
	Disk   float64
	GPUs   float64
}

// Image is one image a site offers: its name, what operating system it
// holds and the site's own identifier for it.
type Image struct {
	Name string
	// Type, Distribution and Version describe the operating system
	// (linux, ubuntu, 22.04); empty when the site does not say.
	Type         string
	Distribution string
	Version      string
	// ID is the site's identifier of the image; empty when only the
	// name is known.
	ID string
}

// Host is what one compute component asks of the server it runs on (TOSCA
// host and os capabilities). Zero and empty fields ask nothing.
type Host struct {
	// Component names the component, for reasons.
	Component string
	CPUs      float64
	Memory    float64 // bytes
	Disk      float64 // bytes
	GPUs      float64
	// OSType, Distribution and Version are matched against an image's.
	OSType       string
	Distribution string
	Version      string
	// FlavorGiven and ImageGiven say the template names the flavor or
	// the image itself: that part is not matched.
	FlavorGiven bool
	ImageGiven  bool
}

// Fit is the flavor and image chosen for a host; a zero Flavor or Image
// means the template names its own.
type Fit struct {
	Flavor Flavor
	Image  Image
}

// Match chooses, for host h, the smallest flavor of the catalogue that has
// everything h asks (fewest GPUs, then CPUs, memory and disk; ties by
// name) and the first image by name whose operating system is the one h
// asks. When either is missing, reason says why and Fit is zero.
func (c *Catalogue) Match(h Host) (fit Fit, reason string) {
	var why []string
	if !h.FlavorGiven {
		if f, ok := c.smallestFlavor(h); ok {
			fit.Flavor = f
		} else {
			why = append(why, c.noFlavor(h))
		}
	}
	if !h.ImageGiven {
		if im, ok := c.image(h); ok {
			fit.Image = im
		} else {
			why = append(why, c.noImage(h))
		}
	}
	if len(why) > 0 {
		return Fit{}, strings.Join(why, "; ")
	}
	return fit, ""
}

// Unfit says why the catalogue has no fit for some of hosts, "" when it
// has one for each. A nil catalogue fits everything: the site's kind does
// not choose flavors and images.
func (c *Catalogue) Unfit(hosts []Host) string {
	if c == nil {
		return ""
	}
	var why []string
	for _, h := range hosts {
		if _, r := c.Match(h); r != "" {
			why = append(why, r)
		}
	}
	return strings.Join(why, "; ")
}

func (f Flavor) fits(h Host) bool {
	return f.CPUs+tolerance(f.CPUs) >= h.CPUs && f.Memory+tolerance(f.Memory) >= h.Memory &&
		(h.Disk == 0 || f.Disk+tolerance(f.Disk) >= h.Disk) && f.GPUs+tolerance(f.GPUs) >= h.GPUs
}

func compareFlavors(a, b Flavor) int {
	return cmp.Or(cmp.Compare(a.GPUs, b.GPUs), cmp.Compare(a.CPUs, b.CPUs), cmp.Compare(a.Memory, b.Memory),
		cmp.Compare(a.Disk, b.Disk), strings.Compare(a.Name, b.Name))
}

func (c *Catalogue) smallestFlavor(h Host) (Flavor, bool) {
	var best Flavor
	found := false
	for _, f := range c.Flavors {
		if f.fits(h) && (!found || compareFlavors(f, best) < 0) {
			best, found = f, true
		}
	}
	return best, found
}

func (c *Catalogue) noFlavor(h Host) string {
	if len(c.Flavors) == 0 {
		return fmt.Sprintf("declares no flavors (settings flavors) for %s", h.Component)
	}
	return fmt.Sprintf("no flavor has %s for %s (largest: %s)", h.needs(), h.Component, c.largest())
}

// largest describes the flavors with the most of each resource.
func (c *Catalogue) largest() string {
	var top Flavor
	for _, f := range c.Flavors {
		top.CPUs = max(top.CPUs, f.CPUs)
		top.Memory = max(top.Memory, f.Memory)
		top.Disk = max(top.Disk, f.Disk)
		top.GPUs = max(top.GPUs, f.GPUs)
	}
	return Host{CPUs: top.CPUs, Memory: top.Memory, Disk: top.Disk, GPUs: top.GPUs}.needs()
}

// needs prints what a host asks of a flavor: "4 cpus, 8GiB memory".
func (h Host) needs() string {
	var parts []string
	if h.CPUs > 0 {
		parts = append(parts, FormatQuantity("cpus", h.CPUs)+" cpus")
	}
	if h.Memory > 0 {
		parts = append(parts, FormatQuantity("memory", h.Memory)+" memory")
	}
	if h.Disk > 0 {
		parts = append(parts, FormatQuantity("disk", h.Disk)+" disk")
	}
	if h.GPUs > 0 {
		parts = append(parts, FormatQuantity("gpus", h.GPUs)+" gpus")
	}
	if len(parts) == 0 {
		return "nothing asked"
	}
	return strings.Join(parts, ", ")
}

func (im Image) matches(h Host) bool {
	return (h.OSType == "" || strings.EqualFold(im.Type, h.OSType)) &&
		(h.Distribution == "" || strings.EqualFold(im.Distribution, h.Distribution)) &&
		(h.Version == "" || im.Version == h.Version || strings.HasPrefix(im.Version, h.Version+"."))
}

func (c *Catalogue) image(h Host) (Image, bool) {
	var out []Image
	for _, im := range c.Images {
		if im.matches(h) {
			out = append(out, im)
		}
	}
	if len(out) == 0 {
		return Image{}, false
	}
	return slices.MinFunc(out, func(a, b Image) int { return strings.Compare(a.Name, b.Name) }), true
}

func (c *Catalogue) noImage(h Host) string {
	if len(c.Images) == 0 {
		return fmt.Sprintf("declares no images (settings images) for %s", h.Component)
	}
	var os []string
	for _, s := range []string{h.OSType, h.Distribution, h.Version} {
		if s != "" {
			os = append(os, s)
		}
	}
	var have []string
	for _, im := range c.Images {
		have = append(have, im.String())
	}
	slices.Sort(have)
	return fmt.Sprintf("no image is %s for %s (images: %s)", strings.Join(os, " "), h.Component, strings.Join(have, ", "))
}

// String prints an image as "ubuntu-22.04 (linux ubuntu 22.04)".
func (im Image) String() string {
	var os []string
	for _, s := range []string{im.Type, im.Distribution, im.Version} {
		if s != "" {
			os = append(os, s)
		}
	}
	if len(os) == 0 {
		return im.Name
	}
	return im.Name + " (" + strings.Join(os, " ") + ")"
}

// String prints a flavor as "m1.large (4 cpus, 8GiB memory, 80GiB disk)".
func (f Flavor) String() string {
	return f.Name + " (" + Host{CPUs: f.CPUs, Memory: f.Memory, Disk: f.Disk, GPUs: f.GPUs}.needs() + ")"
}
