package testsrv

import (
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"testing"
)

// StartGitHTTP serves the git repositories under root over git's smart
// HTTP protocol (git http-backend run as a CGI program by net/http/cgi) on
// a loopback port, and stops with t.Cleanup. A repository root/x.git is
// at URL + "/x.git". It skips (Missing) without the git binary.
func StartGitHTTP(t testing.TB, root string) (url string) {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		Missing(t, "git is not installed: apt-get install git")
		return ""
	}
	h := &cgi.Handler{
		Path: git,
		Args: []string{"http-backend"},
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
