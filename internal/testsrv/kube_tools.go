package testsrv

import (
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// KubeDepsCommand builds the control plane's binaries into CacheDir()/bin
// with the same recipe the tests use (make kube-deps runs it).
const KubeDepsCommand = "INDIGO_KUBE_BUILD=1 go test -count=1 -timeout 60m -run '^TestKubeBuild$' ./internal/testsrv"

// kubeInstall is what a skipped test says to run.
const kubeInstall = "make kube-deps (in the repository root; it runs " + KubeDepsCommand + ")"

// kubeStaging are the staging modules k8s.io/kubernetes's go.mod replaces
// with ./staging/...; a module that requires k8s.io/kubernetes has to
// replace them with their published versions. sample-cli-plugin and
// sample-controller are left out: the proxy refuses them and nothing here
// needs them.
var kubeStaging = []string{
	"api", "apiextensions-apiserver", "apimachinery", "apiserver", "cli-runtime", "client-go",
	"cloud-provider", "cluster-bootstrap", "code-generator", "component-base", "component-helpers",
	"controller-manager", "cri-api", "cri-client", "cri-streaming", "csi-translation-lib",
	"dynamic-resource-allocation", "endpointslice", "externaljwt", "kms", "kube-aggregator",
	"kube-controller-manager", "kube-proxy", "kube-scheduler", "kubectl", "kubelet", "metrics",
	"mount-utils", "pod-security-admission", "sample-apiserver", "streaming",
}

// kubeLdflags stamp the version the servers report (v0.0.0 otherwise).
func kubeLdflags() string {
	major, minor, _ := strings.Cut(strings.TrimPrefix(KubeVersion, "v"), ".")
	minor, _, _ = strings.Cut(minor, ".")
	return fmt.Sprintf("-X k8s.io/component-base/version.gitVersion=%s -X k8s.io/component-base/version.gitMajor=%s -X k8s.io/component-base/version.gitMinor=%s", KubeVersion, major, minor)
}

// kubeTool builds one of the programs of k8s.io/kubernetes/cmd from a
// throwaway module that requires KubeModule@KubeVersion.
func kubeTool(cmd string) *tool {
	stagingVersion := "v0" + strings.TrimPrefix(KubeVersion, "v1")
	edit := []string{"mod", "edit", "-require=" + KubeModule + "@" + KubeVersion}
	for _, m := range kubeStaging {
		edit = append(edit, fmt.Sprintf("-replace=k8s.io/%s=k8s.io/%s@%s", m, m, stagingVersion))
	}
	pkg := KubeModule + "/cmd/" + cmd
	return &tool{
		name:    cmd,
		title:   cmd + " " + KubeVersion,
		want:    KubeModule + "@" + KubeVersion,
		install: kubeInstall,
		manual:  true,
		adopt:   builtFrom(KubeModule, KubeVersion),
		steps: [][]string{
			{"mod", "init", "indigo.test/kubetool"},
			edit,
			{"get", pkg + "@" + KubeVersion},
			{"build", "-ldflags=" + kubeLdflags(), "-o", "{bin}", pkg},
		},
		dir: func(work, _ string) string { return work },
	}
}

var (
	kubeAPIServerTool         = kubeTool("kube-apiserver")
	kubeControllerManagerTool = kubeTool("kube-controller-manager")
	kubeSchedulerTool         = kubeTool("kube-scheduler")

	// etcdTool builds etcd's server, whose module root is its main
	// package (go install would name the binary "server").
	etcdTool = &tool{
		name:    "etcd",
		title:   "etcd " + EtcdVersion,
		want:    EtcdModule + "@" + EtcdVersion,
		install: kubeInstall,
		manual:  true,
		adopt:   builtFrom(EtcdModule, EtcdVersion),
		steps: [][]string{
			{"mod", "init", "indigo.test/etcdtool"},
			{"get", EtcdModule + "@" + EtcdVersion},
			{"build", "-o", "{bin}", EtcdModule},
		},
		dir: func(work, _ string) string { return work },
	}

	kwokTool = &tool{
		name:    "kwok",
		title:   "kwok " + KwokVersion,
		want:    KwokModule + "@" + KwokVersion,
		install: kubeInstall,
		manual:  true,
		adopt:   builtFrom(KwokModule, KwokVersion),
		steps:   [][]string{{"install", KwokModule + "/cmd/kwok@" + KwokVersion}},
		dir:     func(_, bin string) string { return filepath.Dir(bin) },
	}
)

// builtFrom accepts a binary whose build information says it was built
// from module@version (as its main module or a dependency).
func builtFrom(module, version string) func(bin string) bool {
	return func(bin string) bool {
		info, err := buildinfo.ReadFile(bin)
		if err != nil {
			return false
		}
		if info.Main.Path == module {
			return info.Main.Version == version
		}
		for _, d := range info.Deps {
			if d.Path == module {
				return d.Version == version && d.Replace == nil
			}
		}
		return false
	}
}

// slowBuildAllowed says whether a test may spend the quarter of an hour
// (and 3 GB) that building the control plane takes, rather than skip.
func slowBuildAllowed() bool {
	return Required() || os.Getenv("INDIGO_KUBE_BUILD") == "1"
}

// kubeBinaries returns the programs (kwok and its Stage files only when
// asked), or skips the test (see Missing) when one is not built.
func kubeBinaries(t testing.TB, withKwok bool) kubeBins {
	t.Helper()
	var b kubeBins
	type want struct {
		tl  *tool
		out *string
	}
	wants := []want{
		{etcdTool, &b.etcd},
		{kubeAPIServerTool, &b.apiserver},
		{kubeControllerManagerTool, &b.controllerManager},
		{kubeSchedulerTool, &b.scheduler},
	}
	if withKwok {
		wants = append(wants, want{kwokTool, &b.kwok})
	}
	for _, x := range wants {
		*x.out = x.tl.binary(t)
		if t.Skipped() || *x.out == "" {
			return kubeBins{}
		}
	}
	if !withKwok {
		return b
	}
	stages, err := kwokStages()
	if err != nil {
		Missing(t, fmt.Sprintf("kwok's Stage definitions: %v; they come with the module: go mod download %s@%s", err, KwokModule, KwokVersion))
		return kubeBins{}
	}
	b.stages = stages
	return b
}

// kwokStageFiles are the Stage definitions kwok runs with, from the
// kustomize/stage directory of its module: nodes become Ready and keep
// their heartbeat; pods become Running, complete, and go when deleted.
var kwokStageFiles = []string{
	"node/fast/node-initialize.yaml",
	"node/heartbeat/node-heartbeat.yaml",
	"pod/fast/pod-ready.yaml",
	"pod/fast/pod-complete.yaml",
	"pod/fast/pod-delete.yaml",
}

var kwokStageCache struct {
	sync.Once
	files []string
	err   error
}

// kwokStages returns the paths of kwokStageFiles in the module cache,
// downloading the module when it is not there.
func kwokStages() ([]string, error) {
	c := &kwokStageCache
	c.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			c.err = errors.New("no go command to find the kwok module with")
			return
		}
		cmd := exec.Command(goBin, "mod", "download", "-json", KwokModule+"@"+KwokVersion)
		cmd.Dir = os.TempDir()
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			c.err = fmt.Errorf("go mod download %s@%s: %v: %s", KwokModule, KwokVersion, err, tail(errOut.String()+out.String(), 10))
			return
		}
		var mod struct{ Dir, Error string }
		if err := json.Unmarshal(out.Bytes(), &mod); err != nil || mod.Dir == "" {
			c.err = fmt.Errorf("go mod download %s@%s: no directory in %q (%v)", KwokModule, KwokVersion, mod.Error, err)
			return
		}
		for _, f := range kwokStageFiles {
			path := filepath.Join(mod.Dir, "kustomize", "stage", f)
			if !exists(path) {
				c.err = fmt.Errorf("%s is missing", path)
				return
			}
			c.files = append(c.files, path)
		}
	})
	return c.files, c.err
}

// kubeProc is one process of a control plane: a child of the test binary,
// killed when it dies, logging to logPath (appended to across restarts).
type kubeProc struct {
	name, bin string
	args      []string
	env       []string
	logPath   string

	logStart int64
	cmd      *exec.Cmd
	exited   chan struct{}
}

func (p *kubeProc) start(dir string) error {
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "--- %s: starting %s %s\n", time.Now().Format(time.RFC3339), p.name, strings.Join(p.args, " "))
	p.logStart, _ = logf.Seek(0, io.SeekEnd)
	cmd := exec.Command(p.bin, p.args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	p.cmd = cmd
	p.exited = make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	return nil
}

// stop sends SIGTERM, then SIGKILL after grace, and waits for the exit;
// with no grace it kills at once.
func (p *kubeProc) stop(grace time.Duration) {
	if grace <= 0 {
		_ = p.cmd.Process.Kill()
		<-p.exited
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// removeStaleDirs removes the directories named prefix* under
// os.TempDir() whose "owner" file names a process that is gone: the
// servers died with their test binary; their files did not.
func removeStaleDirs(prefix string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner"))
		if err != nil {
			continue
		}
		var pid int
		if _, err := fmt.Sscan(strings.TrimSpace(string(b)), &pid); err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(d)
		}
	}
}
