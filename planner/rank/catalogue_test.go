package rank

import (
	"strings"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/lang/units"
)

func quantity(t *testing.T, s string) float64 {
	t.Helper()
	q, err := units.ParseQuantity(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestCatalogueMatch(t *testing.T) {
	cat := &Catalogue{
		Flavors: []Flavor{
			{Name: "m1.large", CPUs: 4, Memory: quantity(t, "8GiB"), Disk: quantity(t, "80GiB")},
			{Name: "m1.small", CPUs: 1, Memory: quantity(t, "2GiB"), Disk: quantity(t, "20GiB")},
			{Name: "m1.medium", CPUs: 2, Memory: quantity(t, "4GiB"), Disk: quantity(t, "40GiB")},
			{Name: "m1.medium-b", CPUs: 2, Memory: quantity(t, "4GiB"), Disk: quantity(t, "40GiB")},
			{Name: "m1.medium-4gb", CPUs: 2, Memory: quantity(t, "4 GB"), Disk: quantity(t, "40GiB")},
			{Name: "g1.large", CPUs: 8, Memory: quantity(t, "32GiB"), Disk: quantity(t, "100GiB"), GPUs: 1},
		},
		Images: []Image{
			{Name: "ubuntu-22.04", Type: "linux", Distribution: "ubuntu", Version: "22.04", ID: "img-u22"},
			{Name: "centos-7", Type: "linux", Distribution: "centos", Version: "7.9", ID: "img-c7"},
			{Name: "a-ubuntu-22.04-min", Type: "linux", Distribution: "Ubuntu", Version: "22.04"},
		},
	}
	for _, tc := range []struct {
		name         string
		host         Host
		flavor       string
		image        string
		reasonPrefix string
	}{
		{name: "nothing asked: smallest flavor, first image", host: Host{Component: "vm"}, flavor: "m1.small", image: "a-ubuntu-22.04-min"},
		{name: "smallest that fits", host: Host{Component: "vm", CPUs: 3, Memory: quantity(t, "2GiB")}, flavor: "m1.large", image: "a-ubuntu-22.04-min"},
		{name: "memory 4 gb fits 4 GB", host: Host{Component: "vm", CPUs: 2, Memory: quantity(t, "4 gb")}, flavor: "m1.medium-4gb", image: "a-ubuntu-22.04-min"},
		{name: "memory 4GiB does not fit 4 GB; ties by name", host: Host{Component: "vm", CPUs: 2, Memory: quantity(t, "4GiB")}, flavor: "m1.medium", image: "a-ubuntu-22.04-min"},
		{name: "disk", host: Host{Component: "vm", Disk: quantity(t, "50GiB")}, flavor: "m1.large", image: "a-ubuntu-22.04-min"},
		{name: "gpu", host: Host{Component: "vm", CPUs: 2, GPUs: 1}, flavor: "g1.large", image: "a-ubuntu-22.04-min"},
		{name: "gpu flavors come last", host: Host{Component: "vm", CPUs: 4}, flavor: "m1.large", image: "a-ubuntu-22.04-min"},
		{name: "a gpu flavor when only it fits", host: Host{Component: "vm", CPUs: 5}, flavor: "g1.large", image: "a-ubuntu-22.04-min"},
		{name: "largest named", host: Host{Component: "vm", CPUs: 9}, reasonPrefix: "no flavor has 9 cpus for vm (largest: 8 cpus, 32GiB memory, 100GiB disk, 1 gpus)"},
		{name: "too many gpus", host: Host{Component: "vm", GPUs: 2}, reasonPrefix: "no flavor has 2 gpus for vm"},
		{name: "no fit", host: Host{Component: "vm", Memory: quantity(t, "64GiB")}, reasonPrefix: "no flavor has 64GiB memory for vm"},
		{name: "os distribution and version", host: Host{Component: "vm", Distribution: "centos", Version: "7"}, flavor: "m1.small", image: "centos-7"},
		{name: "os case-insensitive", host: Host{Component: "vm", OSType: "Linux", Distribution: "UBUNTU", Version: "22.04"}, flavor: "m1.small", image: "a-ubuntu-22.04-min"},
		{name: "os mismatch", host: Host{Component: "vm", Distribution: "debian"}, reasonPrefix: "no image is debian for vm (images: a-ubuntu-22.04-min (linux Ubuntu 22.04), centos-7 (linux centos 7.9), ubuntu-22.04 (linux ubuntu 22.04))"},
		{name: "version mismatch", host: Host{Component: "vm", Distribution: "ubuntu", Version: "20.04"}, reasonPrefix: "no image is ubuntu 20.04 for vm"},
		{name: "version is not a prefix of another number", host: Host{Component: "vm", Distribution: "centos", Version: "7.1"}, reasonPrefix: "no image is centos 7.1"},
		{name: "both missing", host: Host{Component: "vm", GPUs: 4, OSType: "windows"}, reasonPrefix: "no flavor has 4 gpus for vm (largest: 8 cpus, 32GiB memory, 100GiB disk, 1 gpus); no image is windows for vm"},
		{name: "flavor given by the template", host: Host{Component: "vm", GPUs: 4, FlavorGiven: true, Distribution: "centos"}, image: "centos-7"},
		{name: "image given by the template", host: Host{Component: "vm", OSType: "windows", ImageGiven: true}, flavor: "m1.small"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fit, reason := cat.Match(tc.host)
			if tc.reasonPrefix != "" {
				if !strings.HasPrefix(reason, tc.reasonPrefix) {
					t.Fatalf("reason = %q, want it to start with %q", reason, tc.reasonPrefix)
				}
				if fit != (Fit{}) {
					t.Errorf("fit = %+v with a reason", fit)
				}
				return
			}
			if reason != "" {
				t.Fatalf("unexpected reason %q", reason)
			}
			if fit.Flavor.Name != tc.flavor || fit.Image.Name != tc.image {
				t.Errorf("fit = %s, %s; want %s, %s", fit.Flavor.Name, fit.Image.Name, tc.flavor, tc.image)
			}
		})
	}
}

func TestCatalogueEmpty(t *testing.T) {
	_, reason := (&Catalogue{}).Match(Host{Component: "vm"})
	if reason != "declares no flavors (settings flavors) for vm; declares no images (settings images) for vm" {
		t.Errorf("reason = %q", reason)
	}
	var none *Catalogue
	if r := none.Unfit([]Host{{Component: "vm", GPUs: 9}}); r != "" {
		t.Errorf("a site without a catalogue is unfit: %q", r)
	}
}

// TestRankRejectsSiteWithoutFit: the ranking rules out a site whose
// catalogue has no fit, with the reason, and places on the one that has.
func TestRankRejectsSiteWithoutFit(t *testing.T) {
	small := &Catalogue{Flavors: []Flavor{{Name: "s", CPUs: 2, Memory: 4 << 30}}, Images: []Image{{Name: "u", Distribution: "ubuntu"}}}
	big := &Catalogue{Flavors: []Flavor{{Name: "b", CPUs: 16, Memory: 64 << 30}}, Images: []Image{{Name: "u", Distribution: "ubuntu"}}}
	sites := []Site{{Name: "a", Catalogue: small}, {Name: "b", Catalogue: big}}
	c := Component{Addr: "deployment.x", Hosts: []Host{{Component: "vm", CPUs: 8, Distribution: "ubuntu"}}}
	rk := Rank(c, sites, Usage{}, DefaultWeights(), time.Unix(0, 0))
	if rk.Chosen != "b" {
		t.Fatalf("chosen %q, want b", rk.Chosen)
	}
	for _, s := range rk.Scored {
		if s.Site == "a" && (!s.Rejected || len(s.Reasons) != 1 || !strings.HasPrefix(s.Reasons[0], "no flavor has 8 cpus for vm")) {
			t.Errorf("site a: rejected %v, reasons %q", s.Rejected, s.Reasons)
		}
	}
}
