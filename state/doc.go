// Package state is indigo's recorded state: what exists, as the providers
// last described it, where each placed component went, and the root
// outputs. It holds the model, its file format, the intent journal, the
// Backend interface the stores implement, and the Manager a run uses.
//
// # Model
//
// A State maps typed addresses from package config (config.AbsResource,
// config.InstanceKey, config.ObjectAddr) to Resources, Instances and
// Objects. An Object keeps its attributes as JSON and only its direct
// dependencies, so the state's size grows linearly with the number of
// resources. Pending intents (operations started but not known to have
// finished) are part of the state, so a snapshot never forgets one.
//
// # Durability
//
// State is written two ways:
//
//   - The snapshot: one JSON document (Encode, Decode), deterministic so
//     that diffs are readable, ending with a SHA-256 checksum of its body so
//     that a damaged file is detected and never loaded as truth.
//   - The journal: before every provider call the planner records an
//     Intent, and after it a Result; each is appended and synced (or
//     committed) before the call returns. Records are lines with their own
//     CRC-32C, so a line torn by a crash is recognised and ignored.
//
// The Manager rewrites the snapshot every few seconds and at the end of a
// run, never once per resource; the journal covers everything since. Every
// record carries the serial of the snapshot in force when it was written
// (its epoch), and a journal starts one snapshot back, so both the latest
// snapshot and its backup can be brought up to date: a damaged snapshot is
// replaced by backup + journal without losing anything. After a crash, Open
// replays the journal and InFlight lists the operations whose outcome is
// unknown, with their planned objects, for the planner to reconcile with
// the provider.
//
// docs/state-format.md documents the snapshot format, the journal format and
// how Terraform's state format version 4 (Import) maps onto this one.
//
// # Backends
//
// Backend is the small interface a store implements: a lock that fails at
// once naming its holder, compare-and-swap snapshot writes that refuse lost
// updates, and the journal. state/local (files, the default), state/pg
// (PostgreSQL) and state/s3 (an S3 bucket) implement it; state/statetest is
// the conformance suite they pass.
//
// This package does not plan, call providers or decode attributes with a
// schema: the planner does. It does not render anything for users either;
// errors and Manager.Warnings are plain text for cmd/indigo to show.
package state
