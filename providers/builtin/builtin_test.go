package builtin_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/indigo-cloud/indigo/providers/builtin"
	"github.com/indigo-cloud/indigo/providers/indigo"
)

// The go-plugin handshake terraform-plugin-go's servers expect. A go-plugin
// client sets these itself; the tests speak to the process by hand.
var handshakeEnv = []string{
	"TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
	"PLUGIN_PROTOCOL_VERSIONS=6",
}

func TestMain(m *testing.M) {
	builtin.MaybeServe()
	if os.Getenv("INDIGO_TEST_PARENT") == "1" {
		os.Exit(actAsParent())
	}
	os.Exit(m.Run())
}

// actAsParent starts the provider, waits until it is serving, prints its
// pid and then blocks until killed: the test kills this process to check
// that the provider does not outlive its parent.
func actAsParent() int {
	cmd, err := builtin.Command("indigo")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cmd.Env = append(cmd.Env, handshakeEnv...)
	cmd.Env = slices.DeleteFunc(cmd.Env, func(kv string) bool { return strings.HasPrefix(kv, "INDIGO_TEST_PARENT=") })
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		fmt.Fprintln(os.Stderr, "no handshake:", err)
		return 1
	}
	fmt.Println(cmd.Process.Pid)
	select {}
}

func TestRegistry(t *testing.T) {
	if !builtin.Has("indigo") || builtin.Has("aws") {
		t.Errorf("Has: indigo=%v aws=%v", builtin.Has("indigo"), builtin.Has("aws"))
	}
	if got := builtin.Types(); !slices.Equal(got, []string{"indigo", "terraform"}) {
		t.Errorf("Types() = %v", got)
	}
	if got := builtin.Address("indigo"); got != "indigo.dev/builtin/indigo" {
		t.Errorf("Address = %s", got)
	}
	if got := builtin.Address("terraform"); got != "terraform.io/builtin/terraform" {
		t.Errorf("Address(terraform) = %s", got)
	}
	if _, err := builtin.Command("aws"); err == nil || !strings.Contains(err.Error(), `"aws" is not a built-in provider`) {
		t.Errorf("Command(aws) error = %v", err)
	}
	cmd, err := builtin.Command("indigo")
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	if cmd.Path != exe || !slices.Contains(cmd.Env, builtin.EnvVar+"=indigo") {
		t.Errorf("Command runs %s with %s=%v; want %s in plugin mode", cmd.Path, builtin.EnvVar, cmd.Env, exe)
	}
}

// startProvider runs the test binary as the built-in provider and returns
// the command and the fields of its go-plugin handshake line.
func startProvider(t *testing.T) (*exec.Cmd, []string, *lockedBuffer) {
	t.Helper()
	cmd, err := builtin.Command("indigo")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(cmd.Env, handshakeEnv...)
	// The provider logs to stderr (a go-plugin client relays it); keep it
	// out of the test output unless the test fails.
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("provider stderr:\n%s", stderr.String())
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the handshake line: %v", err)
	}
	// core version | app protocol version | network | address | protocol | server cert
	fields := strings.Split(strings.TrimSpace(line), "|")
	if len(fields) < 6 || fields[0] != "1" || fields[1] != "6" || fields[2] != "unix" || fields[4] != "grpc" {
		t.Fatalf("handshake line %q is not 1|6|unix|<socket>|grpc|...", line)
	}
	return cmd, fields, stderr
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServeOverGoPlugin(t *testing.T) {
	cmd, fields, stderr := startProvider(t)
	conn, err := grpc.NewClient("unix://"+fields[3], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// GetProviderSchema.Request is an empty message. The response is kept
	// as unknown fields of an Empty and read with protowire: field 2 is
	// resource_schemas, field 3 data_source_schemas, both maps keyed by
	// type name (entry field 1).
	var resp emptypb.Empty
	if err := conn.Invoke(ctx, "/tfplugin6.Provider/GetProviderSchema", &emptypb.Empty{}, &resp); err != nil {
		t.Fatalf("GetProviderSchema: %v", err)
	}
	keys := mapKeys(t, resp.ProtoReflect().GetUnknown())
	// Every resource the provider declares crosses the wire: the list is
	// the provider's own, so a new target's resources need no edit here.
	var wantResources []string
	for _, f := range indigo.New("test")().Resources(ctx) {
		var md resource.MetadataResponse
		f().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: indigo.TypeName}, &md)
		wantResources = append(wantResources, md.TypeName)
	}
	slices.Sort(wantResources)
	if got := keys[2]; !slices.Equal(got, wantResources) || !slices.Contains(got, "indigo_file") {
		t.Errorf("resource schemas %v, want %v", got, wantResources)
	}
	var wantData []string
	for _, f := range indigo.New("test")().DataSources(ctx) {
		var md datasource.MetadataResponse
		f().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: indigo.TypeName}, &md)
		wantData = append(wantData, md.TypeName)
	}
	slices.Sort(wantData)
	if got := keys[3]; !slices.Equal(got, wantData) || !slices.Contains(got, "indigo_file") {
		t.Errorf("data source schemas %v, want %v", got, wantData)
	}

	if strings.Contains(stderr.String(), `"@level":"trace"`) {
		t.Errorf("the provider logs at trace level without INDIGO_LOG:\n%.2000s", stderr.String())
	}

	// go-plugin's controller: a client's graceful Kill. The server may stop
	// before its answer is sent (go-plugin's client ignores that error too);
	// what matters is that the process exits.
	if err := conn.Invoke(ctx, "/plugin.GRPCController/Shutdown", &emptypb.Empty{}, &emptypb.Empty{}); err != nil && status.Code(err) != codes.Unavailable {
		t.Fatalf("Shutdown: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("provider exited with %v after Shutdown", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("provider still running 20s after Shutdown")
	}
}

// mapKeys reads the keys of map fields (field number → sorted keys) from a
// protobuf message's wire form.
func mapKeys(t *testing.T, b []byte) map[protowire.Number][]string {
	t.Helper()
	keys := map[protowire.Number][]string{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		if typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, b)
			b = b[n:]
			continue
		}
		entry, n := protowire.ConsumeBytes(b)
		if n < 0 {
			t.Fatalf("bad field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
		if num != 2 && num != 3 {
			continue
		}
		// A map entry: key is field 1 (string).
		for len(entry) > 0 {
			enum, etyp, en := protowire.ConsumeTag(entry)
			if en < 0 {
				t.Fatalf("bad entry tag: %v", protowire.ParseError(en))
			}
			entry = entry[en:]
			if enum == 1 && etyp == protowire.BytesType {
				key, kn := protowire.ConsumeString(entry)
				keys[num] = append(keys[num], key)
				entry = entry[kn:]
				continue
			}
			entry = entry[protowire.ConsumeFieldValue(enum, etyp, entry):]
		}
	}
	for _, k := range keys {
		slices.Sort(k)
	}
	return keys
}

func TestServeExitsWithParent(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	parent := exec.Command(exe, "-test.run=^$")
	parent.Env = append(os.Environ(), "INDIGO_TEST_PARENT=1")
	parent.Stderr = os.Stderr
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = parent.Process.Kill()
		t.Fatalf("the parent did not report the provider's pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("bad pid %q", line)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	if !alive(pid) {
		t.Fatalf("provider %d not running while its parent lives", pid)
	}

	// The parent dies without asking the provider to stop.
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	deadline := time.Now().Add(15 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if alive(pid) {
		t.Errorf("provider %d still running 15s after its parent died", pid)
	}
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] != 'Z' && s[i+2] != 'X'
}

func TestUnknownTypeInPluginMode(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), builtin.EnvVar+"=nope")
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 1 {
		t.Errorf("plugin mode with an unknown type: %v, want exit status 1", err)
	}
	if !strings.Contains(string(out), `INDIGO_BUILTIN_PROVIDER="nope" names no built-in provider`) {
		t.Errorf("output %q does not explain the unknown type", out)
	}
}
