package install

import "fmt"

// EventKind is a step of Install.
type EventKind int

// Install steps, in the order they happen for one provider.
const (
	// EventBuiltin: the provider ships inside indigo; nothing to install.
	EventBuiltin EventKind = iota + 1
	// EventDevOverride: the provider comes from dev_overrides (a warning).
	EventDevOverride
	// EventQuerying: listing versions to select one (Constraints set).
	EventQuerying
	// EventReusingLocked: the lock file's version is kept (Version set).
	EventReusingLocked
	// EventUsingInstalled: the installed package matches the lock.
	EventUsingInstalled
	// EventUsingCache: the package is linked from the plugin cache
	// (Location is the cache directory).
	EventUsingCache
	// EventInstalling: fetching from a method (Location describes it).
	EventInstalling
	// EventInstalled: fetched and checked (Auth says how).
	EventInstalled
	// EventLocked: LockPlatforms obtained the hashes of the package for
	// Platform (Auth says how it was checked).
	EventLocked
)

// Event reports a step of Install, for the CLI to show.
type Event struct {
	Kind        EventKind
	Provider    Provider
	Version     Version
	Constraints string
	Location    string
	Auth        string
	Platform    Platform
}

// String renders the event the way "terraform init" reports it.
func (e Event) String() string {
	p := e.Provider.ForDisplay()
	switch e.Kind {
	case EventBuiltin:
		return fmt.Sprintf("- %s is built in to indigo", e.Provider)
	case EventDevOverride:
		return fmt.Sprintf("- Using %s from dev_overrides in %s, without version or checksum checks", p, e.Location)
	case EventQuerying:
		if e.Constraints == "" {
			return fmt.Sprintf("- Finding latest version of %s...", p)
		}
		return fmt.Sprintf("- Finding %s versions matching %q...", p, e.Constraints)
	case EventReusingLocked:
		return fmt.Sprintf("- Reusing previous version of %s from the dependency lock file", p)
	case EventUsingInstalled:
		return fmt.Sprintf("- Using previously-installed %s v%s", p, e.Version)
	case EventUsingCache:
		return fmt.Sprintf("- Using %s v%s from the shared cache directory", p, e.Version)
	case EventInstalling:
		return fmt.Sprintf("- Installing %s v%s from %s...", p, e.Version, e.Location)
	case EventInstalled:
		return fmt.Sprintf("- Installed %s v%s (%s)", p, e.Version, e.Auth)
	case EventLocked:
		return fmt.Sprintf("- Obtained %s checksums for %s (%s)", p, e.Platform, e.Auth)
	}
	return fmt.Sprintf("- %s: event %d", p, int(e.Kind))
}
