package indigo

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
)

// TestMain lets the test binary double as a service for indigo_service
// tests: with INDIGO_TEST_HELPER=http it serves /health on 127.0.0.1:$PORT.
func TestMain(m *testing.M) {
	if os.Getenv("INDIGO_TEST_HELPER") == "http" {
		serveHealth()
		return
	}
	os.Exit(m.Run())
}

func serveHealth() {
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "health helper:", err)
		os.Exit(1)
	}
	fmt.Println("health helper listening on", ln.Addr())
	err = http.Serve(ln, mux)
	fmt.Fprintln(os.Stderr, "health helper:", err)
	os.Exit(1)
}
