// Package builtin is the registry of providers that ship inside the indigo
// binary, and the plumbing that runs one of them as a plugin process.
//
// A built-in provider is still a separate process spoken to over go-plugin
// and the Terraform plugin protocol, exactly like a downloaded one: indigo
// starts its own executable again with INDIGO_BUILTIN_PROVIDER=<type> in the
// environment (Command), and that process's main calls MaybeServe first
// thing, which serves the provider and exits. Nothing is downloaded.
//
// It is not the protocol client (that is providers/plugin) and not the
// provider code itself (providers/<name>, e.g. providers/indigo).
package builtin

import (
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/indigo-cloud/indigo/providers/indigo"
	"github.com/indigo-cloud/indigo/providers/terraform"
)

// EnvVar is the environment variable that puts the process in plugin mode:
// its value is the type name of the built-in provider to serve.
const EnvVar = "INDIGO_BUILTIN_PROVIDER"

// Namespace is the hostname/namespace part of indigo's own built-in
// providers' source addresses: the indigo provider is
// indigo.dev/builtin/indigo.
const Namespace = "indigo.dev/builtin"

// TerraformNamespace is the hostname/namespace of the provider Terraform
// builds in, terraform.io/builtin/terraform, which indigo builds in too.
const TerraformNamespace = "terraform.io/builtin"

// providers maps type names to factories of their protocol-6 servers. It is
// never written after package initialisation.
var providers = map[string]func(version string) func() tfprotov6.ProviderServer{
	indigo.TypeName:    indigo.NewProtocol6Server,
	terraform.TypeName: terraform.NewProtocol6Server,
}

// Has reports whether typeName is a built-in provider.
func Has(typeName string) bool {
	_, ok := providers[typeName]
	return ok
}

// Types lists the built-in providers' type names, sorted.
func Types() []string {
	names := make([]string, 0, len(providers))
	for name := range providers {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Address is the source address of the built-in provider typeName, such as
// "indigo.dev/builtin/indigo" or "terraform.io/builtin/terraform".
func Address(typeName string) string {
	if typeName == terraform.TypeName {
		return TerraformNamespace + "/" + typeName
	}
	return Namespace + "/" + typeName
}

// Version is the version built-in providers report: the indigo module's
// version from the build information, or "0.0.0-dev" for a development build.
func Version() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			return v
		}
	}
	return "0.0.0-dev"
}

// Command returns a command that runs the built-in provider typeName: the
// current executable re-executed in plugin mode. It is meant for a go-plugin
// client, which adds the handshake variables (the magic cookie) to its
// environment and starts it. A test binary whose TestMain calls MaybeServe
// works as a provider too.
func Command(typeName string) (*exec.Cmd, error) {
	if !Has(typeName) {
		return nil, fmt.Errorf("%q is not a built-in provider (built-in: %v)", typeName, Types())
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the indigo executable to run the built-in %s provider: %w", typeName, err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), EnvVar+"="+typeName)
	return cmd, nil
}

// MaybeServe serves a built-in provider and exits when the process was
// started in plugin mode (EnvVar is set); otherwise it returns at once.
// Call it first thing in main and in TestMain.
func MaybeServe() {
	typeName, ok := os.LookupEnv(EnvVar)
	if !ok {
		return
	}
	os.Exit(serve(typeName))
}

// parentPoll is how often a serving process checks that its parent is alive.
const parentPoll = 500 * time.Millisecond

func serve(typeName string) int {
	factory, ok := providers[typeName]
	if !ok {
		fmt.Fprintf(os.Stderr, "indigo: %s=%q names no built-in provider (built-in: %v)\n", EnvVar, typeName, Types())
		return 1
	}
	// Processes the provider starts (indigo_service) must not think they
	// are plugins too.
	os.Unsetenv(EnvVar)
	quietSDKLogs()

	// go-plugin servers run until the client asks them to stop. If indigo
	// dies without asking (kill -9, a crash), nobody will: notice that the
	// parent is gone and exit instead of lingering.
	go exitWithParent(os.Getppid())

	if path := os.Getenv("INDIGO_PROVIDER_CPUPROFILE"); path != "" {
		// For developers, as INDIGO_CPUPROFILE for indigo itself. A plan
		// starts one provider process per provider configuration (per
		// site), so "%p" in the path becomes the process id: each writes
		// its own profile.
		path = strings.ReplaceAll(path, "%p", strconv.Itoa(os.Getpid()))
		if f, err := os.Create(path); err == nil {
			defer f.Close()
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	if err := tf6server.Serve(Address(typeName), factory(Version())); err != nil {
		fmt.Fprintf(os.Stderr, "indigo: serving the built-in %s provider: %v\n", typeName, err)
		return 1
	}
	return 0
}

// sdkLogVars are the variables that set the log levels of
// terraform-plugin-go, terraform-plugin-framework and the provider's own
// logger.
var sdkLogVars = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"}

// quietSDKLogs sets the SDK log levels from INDIGO_LOG, "off" by default.
// Unset, the SDKs log every request at trace level as JSON on stderr and
// leave the filtering to the host: dozens of lines per call, which would
// cost more than the calls themselves in a 10,000-resource apply. Levels
// set explicitly in the environment are kept.
func quietSDKLogs() {
	level := os.Getenv("INDIGO_LOG")
	if level == "" {
		level = "off"
	}
	for _, name := range sdkLogVars {
		if _, set := os.LookupEnv(name); !set {
			os.Setenv(name, level)
		}
	}
}

// exitWithParent exits the process once its parent is no longer ppid (it
// died and the process was re-parented).
func exitWithParent(ppid int) {
	for {
		time.Sleep(parentPoll)
		if os.Getppid() != ppid {
			os.Exit(2)
		}
	}
}
