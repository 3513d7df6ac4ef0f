// Package container is the rootless-container target of indigo's built-in
// provider, what udocker did for INDIGO: indigo_container runs an OCI image
// on this machine without root and without a daemon.
//
// The image (an OCI layout "oci:DIR:TAG", an archive "oci-archive:FILE:TAG",
// or "docker://REF" when a registry is reachable) is pulled once with skopeo
// into a content-addressed cache under the provider's root
// (images/<sha256 of the manifest>), unpacked with `umoci raw unpack --rootless`
// into the container's own directory (containers/<name>/bundle), and its
// command runs under proot, or bubblewrap when it works here, as a
// detached, supervised process (providers/indigo/internal/supervise, shared
// with indigo_service). The container shares the host's network: port is
// the port it listens on, and create waits until 127.0.0.1:port accepts
// connections.
//
// What is recorded, and what a plan notices:
//
//   - containers/<name>/container.json records what was started: the
//     configuration, the image's manifest digest, the pid and its start
//     time. Read reads it back, so a container whose create was cut short
//     by a kill -9 is found again by its name (import, and the engine's
//     reconciliation of interrupted creates). A process started just
//     before such a kill, whose pid the record never got, is found by the
//     root file system its runtime runs (runtimeProcesses).
//   - A container whose process died (or whose root file system is gone)
//     reads as running = false; the plan wants true, so it shows an update
//     and the apply starts it again.
//   - Every plan asks skopeo for the manifest digest the image reference
//     points at now. When it differs from the digest the container runs
//     (the tag was moved), the plan replaces the container.
//
// Delete stops the process group (SIGTERM, then SIGKILL after
// stop_timeout), removes the container's directory, and removes the cached
// image when no other container of the root uses it, so nothing is left.
//
// It is not a container engine: no network or user namespaces of its own,
// no port mapping (a container listens on the host's ports), no resource
// limits, no image building or pushing, and one provider process per root
// at a time (indigo's state lock sees to that). It needs Linux, skopeo,
// umoci and proot or bubblewrap (apt-get install -y skopeo umoci proot
// bubblewrap).
//
// The user-facing reference is docs/provider-indigo.md.
package container
