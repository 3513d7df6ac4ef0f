package steps

import "errors"

// site is what indigo_step needs of the provider's resource data: paths
// resolved under the provider's root, and the root made ready before the
// first write. providers/indigo's site provides it.
type site interface {
	ResolvePath(p string) (string, error)
	PrepareWrite(abs string) error
}

func siteOf(providerData any) site {
	s, _ := providerData.(site)
	return s
}

var errNotConfigured = errors.New("this resource needs a configured indigo provider")
