// Package steps is the configuration-step target of indigo's built-in
// provider: indigo_step runs one configuration operation of a TOSCA
// component (a Standard interface operation such as create or configure)
// on this machine, as INDIGO's IM contextualised its machines.
//
//   - A Bash script runs with bash, its inputs in its environment; an
//     Ansible playbook runs with ansible-playbook against localhost over the
//     local connection, its inputs as extra-vars read from a file (never on
//     the command line), with the roles the step names (directories in the
//     repository) on its roles path.
//   - The step runs in its target directory (for a component hosted on a
//     local Compute, the host's directory). Its output is kept in a log
//     under the provider's root (steps/ID/log, log_path in state); when it
//     fails, the error shows the log's last lines and the step is recorded
//     tainted, so the component fails and the planner's fallback applies.
//   - content_hash is the SHA-256 of what runs (the script or playbook, the
//     roles' files, the runner). Plan computes it from the files: a changed
//     script, role or input replaces the step, so the next apply runs it
//     again and the plan says so. A log removed by hand is a step that has
//     not run: the next plan runs it again.
//   - Delete runs delete_implementation when there is one (the template's
//     delete operation), then removes the step's directory.
//   - The step's id (its directory) is a hash of what it runs, known when
//     planning, so a create interrupted by a crash is found again (import);
//     the run it left is killed (process group, checked in /proc) before
//     the directory is reused or removed.
//
// It does not fetch anything: an implementation or role given as a URL or a
// Galaxy name is a plan-time error that says to vendor it into the
// repository. It runs steps on this machine only, not over SSH.
//
// The user-facing reference is docs/provider-indigo.md.
package steps
