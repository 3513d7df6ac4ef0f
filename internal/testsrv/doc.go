// Package testsrv is the one place where indigo's tests get what they need
// from outside the Go process: free loopback ports, golden files, and real
// servers (MinIO, PostgreSQL, Dex) started on 127.0.0.1. It is for tests only;
// nothing outside _test.go files and test-support packages may import it.
//
// What it starts, and for how long:
//
//   - StartMinIO starts one MinIO server per call (per test), with its
//     drives in the test's temporary directory, and stops it with
//     t.Cleanup.
//   - StartDex starts one Dex OpenID Connect provider per call (per
//     test) with an in-memory store, static users whose groups fill the
//     "groups" claim, and one static client; OpenIDEnv points a MinIO
//     server (started after it) at it.
//   - Postgres starts one PostgreSQL server per test binary (that is, per
//     package) on first use, and hands every caller a fresh, empty
//     database on it. Main stops the server when the package's tests are
//     done; a test binary that does not use Main still leaves nothing
//     running, because the server is killed when the binary exits and its
//     data directory is removed by the next run.
//   - StartKube starts a Kubernetes control plane per call (etcd,
//     kube-apiserver, kube-controller-manager, kube-scheduler, and kwok
//     with fake nodes that run pods without containers) in the test's
//     temporary directory, with its own CA and an admin kubeconfig, and
//     stops it with t.Cleanup; StopAPIServer and StartAPIServer take the
//     apiserver down and back on the same port and data. SharedKube starts
//     one per test binary, stopped by Main like Postgres; Namespace keeps
//     the tests that share it apart, UserKubeconfig mints non-admin users.
//     Starting one takes 5-15 s.
//
// Every server process is a child of the test binary that is killed when
// the binary dies, so an interrupted `go test` leaves no server behind.
//
// What it caches, and where: binaries it has to build (the MinIO server,
// pinned to MinIOVersion; Dex, pinned to DexVersion; etcd, Kubernetes and
// kwok, pinned to EtcdVersion, KubeVersion and KwokVersion) go under CacheDir()/bin, which is
// $INDIGO_TEST_CACHE or $HOME/.cache/indigo-test. A stamp file beside each
// binary records the version it was built from, so changing the pin
// rebuilds it; an flock on a file in that directory makes several test
// binaries that ask at once build it only once.
//
// When a server cannot be had (PostgreSQL not installed, no Go toolchain to
// build MinIO) the test is skipped with the command that installs it, or
// fails when INDIGO_TEST_REQUIRE=1 (see Missing). The Kubernetes binaries
// take about 15 minutes and 3 GB of memory to build the first time, so a
// test does not build them unless INDIGO_TEST_REQUIRE=1 or
// INDIGO_KUBE_BUILD=1: it skips and names `make kube-deps`. Golden files follow one
// rule for the whole repository: INDIGO_UPDATE=1 rewrites them (see Golden).
package testsrv
