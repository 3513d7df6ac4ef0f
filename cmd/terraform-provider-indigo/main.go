// Command terraform-provider-indigo serves indigo's built-in provider to
// Terraform and OpenTofu, as registry.terraform.io/indigo-cloud/indigo over
// protocol 6. Inside indigo the same provider runs without this binary (see
// providers/builtin).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/indigo-cloud/indigo/providers/builtin"
	"github.com/indigo-cloud/indigo/providers/indigo"
)

// Address is the provider's source address for Terraform users.
const Address = "registry.terraform.io/indigo-cloud/indigo"

// version is set at release time with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

func main() {
	// indigo_deployment and indigo_storage run indigo's engine, which
	// starts indigo's built-in providers by re-executing this binary.
	builtin.MaybeServe()
	debug := flag.Bool("debug", false, "run in debug mode: print TF_REATTACH_PROVIDERS for Terraform and serve until interrupted")
	flag.Parse()

	var opts []tf6server.ServeOpt
	if *debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	if err := tf6server.Serve(Address, indigo.NewProtocol6Server(version), opts...); err != nil {
		fmt.Fprintln(os.Stderr, "terraform-provider-indigo:", err)
		os.Exit(1)
	}
}
