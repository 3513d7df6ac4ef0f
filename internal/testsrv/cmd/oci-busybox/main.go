// Command oci-busybox writes an OCI image layout holding Debian's static
// busybox (testsrv.WriteBusyboxImage), for examples that run containers
// offline: `make uc5-images` runs it.
//
// Usage: go run ./internal/testsrv/cmd/oci-busybox DIR [TAG]
package main

import (
	"fmt"
	"os"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: oci-busybox DIR [TAG]")
		os.Exit(2)
	}
	tag := "latest"
	if len(os.Args) == 3 {
		tag = os.Args[2]
	}
	digest, err := testsrv.WriteBusyboxImage(os.Args[1], tag, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "oci-busybox:", err)
		os.Exit(1)
	}
	fmt.Printf("oci:%s:%s %s\n", os.Args[1], tag, digest)
}
