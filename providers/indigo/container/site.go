package container

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/check"
)

// site is what the container target needs of the provider's resource
// data: paths resolved under the provider's root, and the root made ready
// before the first write. providers/indigo's site provides it.
type site interface {
	ResolvePath(p string) (string, error)
	PrepareWrite(abs string) error
}

func siteOf(providerData any) site {
	s, _ := providerData.(site)
	return s
}

var errNotConfigured = errors.New("indigo_container needs a configured indigo provider")

// nameRE is what a container name may be: it names a directory.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

var (
	validName = check.String{Desc: "a container name: letters, digits, '_', '.', '-'", Check: func(s string) string {
		if !nameRE.MatchString(s) {
			return fmt.Sprintf("%q is not a container name: use letters, digits, '_', '.' and '-', starting with a letter or digit (it names the directory containers/NAME)", s)
		}
		return ""
	}}
	validImage = check.String{Desc: "an image reference", Check: func(s string) string {
		if _, err := parseImage(s); err != nil {
			return err.Error()
		}
		return ""
	}}
	validDuration = check.Duration()
	validRuntime  = check.String{Desc: `"proot" or "bwrap"`, Check: func(s string) string {
		if s != runtimeProot && s != runtimeBwrap {
			return fmt.Sprintf("%q is not a runtime: use \"proot\" or \"bwrap\" (bubblewrap)", s)
		}
		return ""
	}}
	validGuestPath = check.String{Desc: "an absolute path inside the container", Check: func(s string) string {
		if !strings.HasPrefix(s, "/") {
			return fmt.Sprintf("%q must be an absolute path inside the container", s)
		}
		return ""
	}}
)
