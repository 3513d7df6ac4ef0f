// Command testprovider is a Terraform provider ("indigotest") written with
// terraform-plugin-framework for the tests of providers/plugin. It exercises
// every RPC the client makes and misbehaves on request.
//
// It is not a provider anyone should use: its resources live only in the
// state it is handed.
//
// Environment:
//
//	INDIGO_TESTPROVIDER_PROTOCOL  "5" or "6" (default): the protocol served.
//	INDIGO_TESTPROVIDER_CALLS     a file; the name of every intercepted RPC is
//	                              appended to it, one per line.
//	INDIGO_TESTPROVIDER_FAULT     what to do wrong:
//	    crash    exit(3) inside the RPC named by INDIGO_TESTPROVIDER_FAULT_OP
//	    panic    panic inside that RPC
//	    hang     never answer that RPC
//	    garbage  answer that RPC with a value that is not msgpack
//	    handshake-garbage  print nonsense instead of the plugin handshake
//	    handshake-silent   say nothing for a minute instead of the handshake
//	    handshake-exit     exit(1) before the handshake, after a message
//	INDIGO_TESTPROVIDER_FAULT_OP  the RPC for crash, panic, hang and garbage
//	                              (default PlanResourceChange).
//	INDIGO_TESTPROVIDER_CPUPROFILE  write a CPU profile there until shutdown.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tfprotov5/tf5server"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

const address = "registry.terraform.io/indigo-cloud/indigotest"

// realStderr is fd 2 as the process got it. go-plugin redirects os.Stderr
// into a pipe streamed over gRPC; a crashing provider's last words go to the
// real fd, as a Go panic's do.
var realStderr = os.NewFile(2, "stderr")

func main() {
	switch os.Getenv("INDIGO_TESTPROVIDER_FAULT") {
	case "handshake-garbage":
		fmt.Println("hello, I am not a plugin")
		time.Sleep(time.Minute)
		os.Exit(1)
	case "handshake-silent":
		time.Sleep(time.Minute)
		os.Exit(1)
	case "handshake-exit":
		fmt.Fprintln(realStderr, "testprovider: cannot start: configuration missing")
		os.Exit(1)
	}

	if path := os.Getenv("INDIGO_TESTPROVIDER_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}

	protocol := os.Getenv("INDIGO_TESTPROVIDER_PROTOCOL")
	var err error
	if protocol == "5" {
		server, nerr := providerserver.NewProtocol5WithError(newProvider(5))()
		if nerr != nil {
			fmt.Fprintln(realStderr, nerr)
			os.Exit(1)
		}
		err = tf5server.Serve(address, func() tfprotov5.ProviderServer { return &faulty5{ProviderServer: server} })
	} else {
		server, nerr := providerserver.NewProtocol6WithError(newProvider(6))()
		if nerr != nil {
			fmt.Fprintln(realStderr, nerr)
			os.Exit(1)
		}
		err = tf6server.Serve(address, func() tfprotov6.ProviderServer { return &faulty6{ProviderServer: server} })
	}
	if err != nil {
		fmt.Fprintln(realStderr, err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

var recordMu sync.Mutex

// intercept records an RPC and carries out the configured fault if it is
// for this RPC. It reports whether the answer should be garbage.
func intercept(rpc string) (garbage bool) {
	if path := os.Getenv("INDIGO_TESTPROVIDER_CALLS"); path != "" {
		recordMu.Lock()
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(f, rpc)
			_ = f.Close()
		}
		recordMu.Unlock()
	}
	op := os.Getenv("INDIGO_TESTPROVIDER_FAULT_OP")
	if op == "" {
		op = "PlanResourceChange"
	}
	if op != rpc {
		return false
	}
	switch os.Getenv("INDIGO_TESTPROVIDER_FAULT") {
	case "crash":
		fmt.Fprintf(realStderr, "testprovider: fatal error in %s: disk on fire\n", rpc)
		os.Exit(3)
	case "panic":
		panic("testprovider: deliberate panic in " + rpc)
	case "hang":
		time.Sleep(time.Hour)
	case "garbage":
		return true
	}
	return false
}

// notMsgpack is never valid msgpack: 0xc1 is a reserved byte.
var notMsgpack = []byte{0xc1, 0x00, 0xff}
