package testsrv

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The Kubernetes control plane the tests run: the pinned releases, and
// where the fake nodes come from. Change a pin and nothing else to move;
// the stamp files make the cached binaries rebuild (make kube-deps).
const (
	KubeModule  = "k8s.io/kubernetes"
	KubeVersion = "v1.37.2"
	EtcdModule  = "go.etcd.io/etcd/server/v3"
	EtcdVersion = "v3.6.17"
	KwokModule  = "sigs.k8s.io/kwok"
	KwokVersion = "v0.8.0"
)

// KubeContext is the name of the context (and cluster) in the kubeconfig
// files a Kube writes.
const KubeContext = "indigo-test"

// KwokNodeAnnotation is the annotation that puts a Node under kwok's
// care: kwok runs with --manage-nodes-with-annotation-selector set to it
// (key=value), so it answers for the nodes StartKube creates and for no
// other.
const KwokNodeAnnotation = "kwok.x-k8s.io/node"

// KubeServiceCIDR is the apiserver's --service-cluster-ip-range.
const KubeServiceCIDR = "10.96.0.0/16"

// kubeReadyTimeout bounds each wait while starting a control plane: the
// apiserver's /readyz, the default service account, the nodes Ready.
const kubeReadyTimeout = 90 * time.Second

// KubeOptions says how to start a control plane.
type KubeOptions struct {
	// Nodes is the number of fake (kwok) nodes; 0 means 2, a negative
	// number means none (and no kwok process).
	Nodes int
	// APIServerArgs are extra kube-apiserver flags (--oidc-..., feature
	// gates); they come after StartKube's own, so they override them.
	APIServerArgs []string
}

// Kube is a running Kubernetes control plane on 127.0.0.1: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, and kwok
// playing the kubelet of fake nodes (pods scheduled there become Running
// within a second, without containers).
type Kube struct {
	// Server is the apiserver's URL, https://127.0.0.1:PORT.
	Server string
	// Kubeconfig is the path of an admin kubeconfig (user "admin" in
	// group system:masters) whose current context is Context.
	Kubeconfig string
	// Context is the context (and cluster) name in every kubeconfig the
	// Kube writes: KubeContext.
	Context string
	// Dir holds the certificates, kubeconfigs, etcd's data and the logs.
	Dir string
	// LogDir holds one log per process: etcd.log, kube-apiserver.log,
	// kube-controller-manager.log, kube-scheduler.log, kwok.log.
	LogDir string
	// CAFile is the cluster CA (PEM); CertFile and KeyFile are the admin
	// client certificate and key (PEM), as in Kubeconfig.
	CAFile, CertFile, KeyFile string
	// Nodes are the names of the fake nodes, all Ready when StartKube
	// returns.
	Nodes []string

	pki    *kubePKI
	bins   kubeBins
	opts   KubeOptions
	port   int
	etcd   string // etcd's client URL
	client *http.Client

	mu        sync.Mutex
	procs     map[string]*kubeProc // by component name
	stopped   bool
	shared    bool
	removeDir bool
	untrack   func()
	ns        atomic.Int64
}

// kubeBins are the paths of the five programs.
type kubeBins struct {
	etcd, apiserver, controllerManager, scheduler, kwok string
	stages                                              []string // kwok Stage files
}

// StartKube starts a control plane for this test, in the test's temporary
// directory, and stops it with t.Cleanup (Stop). It returns when the
// apiserver is ready, the default service account exists and the nodes
// are Ready: about 5-15 s. When a test fails, the end of the apiserver's
// log is logged.
//
// The binaries are built by `make kube-deps` (about 15 minutes and 3 GB
// of memory the first time); when they are missing the test is skipped
// with that command (see Missing), or they are built when
// INDIGO_TEST_REQUIRE=1 or INDIGO_KUBE_BUILD=1.
func StartKube(t testing.TB, opts KubeOptions) *Kube {
	t.Helper()
	bins := kubeBinaries(t, opts.Nodes >= 0)
	if t.Skipped() {
		return nil
	}
	k, err := startKube(bins, t.TempDir(), opts)
	if err != nil {
		t.Fatalf("starting a Kubernetes control plane: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the end of %s:\n%s", filepath.Join(k.LogDir, "kube-apiserver.log"), k.Logs("kube-apiserver"))
		}
		k.Stop()
	})
	return k
}

// sharedKube is the package's control plane: started by the first call to
// SharedKube, stopped by Main or killed when the test binary exits.
var sharedKube struct {
	sync.Mutex
	k   *Kube
	err error
}

// kubeDirPrefix names a shared control plane's directory under
// os.TempDir(); a run removes those that dead test binaries left.
const kubeDirPrefix = "indigo-testsrv-kube-"

// SharedKube returns the control plane started once per test binary
// (package), on first use, with the default options; Main stops it (and
// it dies with the test binary in any case). Tests that share it keep out
// of each other's way with Namespace. Its Stop does nothing; a test that
// stops the apiserver must use its own StartKube.
func SharedKube(t testing.TB) *Kube {
	t.Helper()
	bins := kubeBinaries(t, true)
	if t.Skipped() {
		return nil
	}
	sharedKube.Lock()
	defer sharedKube.Unlock()
	if sharedKube.k == nil && sharedKube.err == nil {
		removeStaleDirs(kubeDirPrefix)
		dir, err := os.MkdirTemp("", kubeDirPrefix)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644)
		}
		if err == nil {
			var k *Kube
			k, err = startKube(bins, dir, KubeOptions{})
			if err == nil {
				k.shared, k.removeDir = true, true
				sharedKube.k = k
			}
		}
		if err != nil {
			_ = os.RemoveAll(dir)
			sharedKube.err = err
		}
	}
	if sharedKube.err != nil {
		t.Fatalf("starting the shared Kubernetes control plane: %v", sharedKube.err)
	}
	return sharedKube.k
}

// startKube starts the processes in dir; on error nothing is left running.
func startKube(bins kubeBins, dir string, opts KubeOptions) (*Kube, error) {
	if opts.Nodes == 0 {
		opts.Nodes = 2
	}
	k := &Kube{
		Context: KubeContext,
		Dir:     dir,
		LogDir:  filepath.Join(dir, "logs"),
		bins:    bins,
		opts:    opts,
		procs:   map[string]*kubeProc{},
	}
	if err := os.MkdirAll(k.LogDir, 0o755); err != nil {
		return nil, err
	}
	pki, err := newKubePKI(filepath.Join(dir, "pki"))
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	k.pki = pki
	k.CAFile, k.CertFile, k.KeyFile = pki.caFile, pki.adminCert, pki.adminKey
	k.client, err = pki.client(pki.adminCert, pki.adminKey)
	if err != nil {
		return nil, err
	}
	k.untrack = track(k.kill)
	if err := k.start(); err != nil {
		k.kill()
		return nil, err
	}
	return k, nil
}

func (k *Kube) start() error {
	if err := k.startEtcd(); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		k.port = port
		k.Server = "https://127.0.0.1:" + strconv.Itoa(port)
		err = k.startAPIServer()
		if err == nil {
			break
		}
		if attempt < 3 && errors.Is(err, errPortTaken) {
			continue
		}
		return err
	}
	// Every kubeconfig names the server, so they are written once its
	// port is known.
	k.Kubeconfig = filepath.Join(k.Dir, "admin.kubeconfig")
	if err := k.writeKubeconfig(k.Kubeconfig, "admin", k.pki.adminCert, k.pki.adminKey); err != nil {
		return err
	}
	type component struct {
		name, bin string
		args      func(kubeconfig string) []string
	}
	components := []component{
		{"kube-controller-manager", k.bins.controllerManager, k.controllerManagerArgs},
		{"kube-scheduler", k.bins.scheduler, k.schedulerArgs},
	}
	if k.opts.Nodes > 0 {
		components = append(components, component{"kwok", k.bins.kwok, k.kwokArgs})
	}
	for _, c := range components {
		// Each component has its own identity (CN=system:NAME), in
		// system:masters so no RBAC setup is needed.
		cert, key, err := k.pki.clientCert("system:"+c.name, []string{"system:masters"})
		if err != nil {
			return err
		}
		kc := filepath.Join(k.Dir, c.name+".kubeconfig")
		if err := k.writeKubeconfig(kc, "system:"+c.name, cert, key); err != nil {
			return err
		}
		p := &kubeProc{name: c.name, bin: c.bin, args: c.args(kc), logPath: filepath.Join(k.LogDir, c.name+".log")}
		if c.name == "kwok" {
			// kwok reads ~/.kwok/kwok.yaml when it exists; HOME keeps
			// the user's out.
			p.env = []string{"HOME=" + k.Dir}
		}
		if err := k.run(p); err != nil {
			return err
		}
	}
	for i := range k.opts.Nodes {
		name := "kwok-node-" + strconv.Itoa(i)
		if err := k.createNode(name); err != nil {
			return err
		}
		k.Nodes = append(k.Nodes, name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), kubeReadyTimeout)
	defer cancel()
	if err := k.waitFor(ctx, "the default service account", func() error {
		return k.Call(ctx, http.MethodGet, "/api/v1/namespaces/default/serviceaccounts/default", nil, nil)
	}); err != nil {
		return err
	}
	for _, n := range k.Nodes {
		if err := k.waitFor(ctx, "node "+n+" Ready", func() error { return k.nodeReady(ctx, n) }); err != nil {
			return err
		}
	}
	return nil
}

func (k *Kube) startEtcd() error {
	for attempt := 1; ; attempt++ {
		client, err1 := freePort()
		peer, err2 := freePort()
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		cu := "http://127.0.0.1:" + strconv.Itoa(client)
		pu := "http://127.0.0.1:" + strconv.Itoa(peer)
		k.etcd = cu
		p := &kubeProc{name: "etcd", bin: k.bins.etcd, logPath: filepath.Join(k.LogDir, "etcd.log"), args: []string{
			"--name=indigo",
			"--data-dir=" + filepath.Join(k.Dir, "etcd"),
			"--listen-client-urls=" + cu,
			"--advertise-client-urls=" + cu,
			"--listen-peer-urls=" + pu,
			"--initial-advertise-peer-urls=" + pu,
			"--initial-cluster=indigo=" + pu,
			// Test data need not survive a power cut.
			"--unsafe-no-fsync",
			"--log-level=warn",
		}}
		if err := k.run(p); err != nil {
			return err
		}
		err := k.waitUp(p, func(ctx context.Context) error { return getOK(cu + "/health") })
		if err == nil {
			return nil
		}
		k.stopProc("etcd")
		if attempt < 3 && errors.Is(err, errPortTaken) {
			continue
		}
		return err
	}
}

func (k *Kube) apiServerArgs() []string {
	args := []string{
		"--etcd-servers=" + k.etcd,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(k.port),
		// The apiserver is restarted on the same port (StartAPIServer).
		"--permit-address-sharing",
		"--tls-cert-file=" + k.pki.servingCert,
		"--tls-private-key-file=" + k.pki.servingKey,
		"--client-ca-file=" + k.pki.caFile,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + k.pki.saPub,
		"--service-account-signing-key-file=" + k.pki.saKey,
		"--authorization-mode=Node,RBAC",
		"--service-cluster-ip-range=" + KubeServiceCIDR,
		"--allow-privileged=true",
		// Endpoints may not hold a loopback address, so the
		// "kubernetes" service gets none rather than an error per
		// reconcile.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
		// Both cost seconds at start and buy nothing at test scale.
		"--enable-priority-and-fairness=false",
		"--watch-cache=false",
	}
	return append(args, k.opts.APIServerArgs...)
}

func (k *Kube) controllerManagerArgs(kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--root-ca-file=" + k.pki.caFile,
		"--cluster-signing-cert-file=" + k.pki.caFile,
		"--cluster-signing-key-file=" + k.pki.caKeyFile,
		"--service-cluster-ip-range=" + KubeServiceCIDR,
	}
}

func (k *Kube) schedulerArgs(kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
	}
}

func (k *Kube) kwokArgs(kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--config=" + strings.Join(k.bins.stages, ","),
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + KwokNodeAnnotation + "=fake",
	}
}

// startAPIServer runs kube-apiserver on k.port and waits for /readyz.
func (k *Kube) startAPIServer() error {
	p := &kubeProc{name: "kube-apiserver", bin: k.bins.apiserver, args: k.apiServerArgs(), logPath: filepath.Join(k.LogDir, "kube-apiserver.log")}
	if err := k.run(p); err != nil {
		return err
	}
	err := k.waitUp(p, func(ctx context.Context) error { return k.Call(ctx, http.MethodGet, "/readyz", nil, nil) })
	if err != nil {
		k.stopProc("kube-apiserver")
	}
	return err
}

// StopAPIServer kills kube-apiserver, as a crash would (a graceful stop
// waits on its watchers for seconds), and leaves etcd and the other
// components running: requests fail until StartAPIServer. What the
// apiserver had acknowledged is in etcd and survives.
func (k *Kube) StopAPIServer() {
	k.stopProcWithin("kube-apiserver", 0)
}

// StartAPIServer starts kube-apiserver again, on the same port and with
// the same etcd, so every object is still there, and waits until it is
// ready. It fails the test when the apiserver does not come back.
func (k *Kube) StartAPIServer(t testing.TB) {
	t.Helper()
	k.mu.Lock()
	stopped := k.stopped
	k.mu.Unlock()
	if stopped {
		t.Fatal("testsrv.Kube.StartAPIServer: the control plane was stopped")
	}
	if err := k.startAPIServer(); err != nil {
		t.Fatalf("restarting kube-apiserver on %s: %v", k.Server, err)
	}
}

// Stop stops every process (kwok, scheduler, controller manager,
// apiserver, etcd, in that order) and waits until they have exited. It is
// idempotent. On the shared control plane (SharedKube) it does nothing:
// Main stops that one.
func (k *Kube) Stop() {
	if k.shared {
		return
	}
	k.kill()
}

func (k *Kube) kill() {
	k.mu.Lock()
	if k.stopped {
		k.mu.Unlock()
		return
	}
	k.stopped = true
	k.mu.Unlock()
	for _, name := range []string{"kwok", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"} {
		k.stopProc(name)
	}
	k.untrack()
	if k.removeDir {
		_ = os.RemoveAll(k.Dir)
	}
}

// Logs returns the last lines of a component's log ("etcd",
// "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok").
func (k *Kube) Logs(component string) string {
	return logTail(filepath.Join(k.LogDir, component+".log"), 0)
}

// UserKubeconfig writes a kubeconfig, in the test's temporary directory,
// for user with the given groups (a client certificate with CN=user and
// O=group per group, signed by the cluster CA), and returns its path. The
// user may do only what RBAC grants it.
func (k *Kube) UserKubeconfig(t testing.TB, user string, groups ...string) string {
	t.Helper()
	cert, key, err := k.pki.clientCertIn(t.TempDir(), user, groups)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(filepath.Dir(cert), "kubeconfig")
	if err := k.writeKubeconfig(path, user, cert, key); err != nil {
		t.Fatal(err)
	}
	return path
}

// HTTPClient returns an HTTP client that trusts the cluster CA and
// presents the admin certificate.
func (k *Kube) HTTPClient() *http.Client { return k.client }

// APIError is an answer of the apiserver other than 2xx.
type APIError struct {
	Method, Path string
	Code         int
	Body         string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Code, tail(e.Body, 5))
}

// Call sends a request to the apiserver as admin. body is nil, []byte
// (sent as is) or a value sent as JSON; out, when not nil, receives the
// JSON answer. An answer other than 2xx is an *APIError.
func (k *Kube) Call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(j)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, k.Server+path, rd)
	if err != nil {
		return err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &APIError{Method: method, Path: path, Code: resp.StatusCode, Body: string(data)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

var unsafeNSChars = regexp.MustCompile(`[^a-z0-9]+`)

// Namespace creates a namespace named after the test and deletes it when
// the test ends (without waiting for its contents to go), so tests that
// share a control plane keep apart. It waits for the namespace's default
// service account, without which pods are refused.
func (k *Kube) Namespace(t testing.TB) string {
	t.Helper()
	prefix := strings.Trim(unsafeNSChars.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	n := k.ns.Add(1)
	suffix := "-" + strconv.FormatInt(n, 10)
	if len(prefix) > 63-len(suffix) {
		prefix = strings.TrimRight(prefix[:63-len(suffix)], "-")
	}
	name := prefix + suffix
	ctx, cancel := context.WithTimeout(context.Background(), kubeReadyTimeout)
	defer cancel()
	ns := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name}}
	if err := k.Call(ctx, http.MethodPost, "/api/v1/namespaces", ns, nil); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := k.Call(context.Background(), http.MethodDelete, "/api/v1/namespaces/"+name, nil, nil); err != nil && !k.isStopped() {
			t.Logf("deleting namespace %s: %v", name, err)
		}
	})
	if err := k.waitFor(ctx, "the default service account of "+name, func() error {
		return k.Call(ctx, http.MethodGet, "/api/v1/namespaces/"+name+"/serviceaccounts/default", nil, nil)
	}); err != nil {
		t.Fatal(err)
	}
	return name
}

func (k *Kube) isStopped() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stopped
}

// createNode creates a Node for kwok to look after.
func (k *Kube) createNode(name string) error {
	node := map[string]any{
		"apiVersion": "v1",
		"kind":       "Node",
		"metadata": map[string]any{
			"name":        name,
			"annotations": map[string]string{KwokNodeAnnotation: "fake"},
			"labels": map[string]string{
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
				"type":                   "kwok",
			},
		},
	}
	if err := k.Call(context.Background(), http.MethodPost, "/api/v1/nodes", node, nil); err != nil {
		return fmt.Errorf("creating node %s: %w", name, err)
	}
	return nil
}

func (k *Kube) nodeReady(ctx context.Context, name string) error {
	var node struct {
		Status struct {
			Conditions []struct{ Type, Status string }
		}
	}
	if err := k.Call(ctx, http.MethodGet, "/api/v1/nodes/"+name, nil, &node); err != nil {
		return err
	}
	for _, c := range node.Status.Conditions {
		if c.Type == "Ready" && c.Status == "True" {
			return nil
		}
	}
	return fmt.Errorf("node %s is not Ready: %+v", name, node.Status.Conditions)
}

// waitFor polls check until it succeeds, a process dies, or ctx ends.
func (k *Kube) waitFor(ctx context.Context, what string, check func() error) error {
	for {
		err := check()
		if err == nil {
			return nil
		}
		if dead := k.deadProc(); dead != nil {
			return fmt.Errorf("waiting for %s: %s exited (%s); the end of its log %s:\n%s", what, dead.name, dead.cmd.ProcessState, dead.logPath, logTail(dead.logPath, dead.logStart))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %v (last: %v); the end of the apiserver's log:\n%s", what, ctx.Err(), err, k.Logs("kube-apiserver"))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitUp polls ready until it succeeds, p exits, or kubeReadyTimeout.
func (k *Kube) waitUp(p *kubeProc, ready func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), kubeReadyTimeout)
	defer cancel()
	for {
		err := ready(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			t := logTail(p.logPath, p.logStart)
			if strings.Contains(t, "address already in use") {
				return fmt.Errorf("%s: %w", p.name, errPortTaken)
			}
			return fmt.Errorf("%s exited before it was ready (%s); the end of its log %s:\n%s", p.name, p.cmd.ProcessState, p.logPath, t)
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %v; the end of its log %s:\n%s", p.name, kubeReadyTimeout, err, p.logPath, logTail(p.logPath, p.logStart))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// run starts p and records it under its name.
func (k *Kube) run(p *kubeProc) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return errors.New("the control plane was stopped")
	}
	if err := p.start(k.Dir); err != nil {
		return fmt.Errorf("starting %s: %w", p.name, err)
	}
	k.procs[p.name] = p
	return nil
}

func (k *Kube) stopProc(name string) { k.stopProcWithin(name, 10*time.Second) }

// stopProcWithin stops a process with SIGTERM, then SIGKILL after grace
// (at once when grace is 0).
func (k *Kube) stopProcWithin(name string, grace time.Duration) {
	k.mu.Lock()
	p := k.procs[name]
	delete(k.procs, name)
	k.mu.Unlock()
	if p != nil {
		p.stop(grace)
	}
}

// deadProc returns a process that exited on its own, if any.
func (k *Kube) deadProc() *kubeProc {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, p := range k.procs {
		select {
		case <-p.exited:
			return p
		default:
		}
	}
	return nil
}

// pids are the process ids of the running components, by name.
func (k *Kube) pids() map[string]int {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := map[string]int{}
	for name, p := range k.procs {
		out[name] = p.cmd.Process.Pid
	}
	return out
}

// newTLSClient is an HTTP client for the apiserver: it trusts caPEM and
// presents the certificate pair.
func newTLSClient(caPEM []byte, cert tls.Certificate) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}
}
