package local

import "errors"

// site is what local's resources need of the provider's resource data:
// paths from the configuration resolved under the provider's root, and the
// root made ready before the first write under it. providers/indigo's site
// provides it.
type site interface {
	// ResolvePath turns a path from the configuration into a clean
	// absolute path; relative paths resolve under the root.
	ResolvePath(p string) (string, error)
	// PrepareWrite makes sure the root exists and is writable before
	// something is written at abs.
	PrepareWrite(abs string) error
	// InRoot reports whether abs, an existing path, is the root or
	// below it once symbolic links are resolved.
	InRoot(abs string) (bool, error)
}

// siteOf returns the site in a resource's provider data, or nil.
func siteOf(providerData any) site {
	s, _ := providerData.(site)
	return s
}

var errNotConfigured = errors.New("this resource needs a configured indigo provider")
