// Package faults injects the failures that teams meet in production into
// tests, on real systems: a state disk that fills up (ENOSPC) or turns
// read-only, a process (a provider plugin, indigo itself) killed or frozen
// mid-call, a network path to a server that goes slow or drops
// connections, PostgreSQL sessions terminated. Each injector acts on the
// real thing (a loop-mounted ext4 filesystem, signals to real processes,
// a TCP proxy on loopback) and undoes itself in t.Cleanup. It is for
// tests only; servers themselves are started by internal/testsrv.
//
// The trials that use these injectors against indigo are in
// cmd/indigo/faults_test.go (make faults); Table prints their figures.
package faults
