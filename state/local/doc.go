// Package local is the default state backend: files in the working
// directory.
//
//	indigo.state          the snapshot (mode 0600), replaced atomically
//	indigo.state.backup   the previous snapshot
//	indigo.state.journal  the intent journal, one checksummed line per record
//	indigo.state.lock     the lock: flock(2) on this file, holder info inside
//
// The lock is a kernel lock: it is released when its process exits, however
// it exits (kill -9 included), so a crashed run never leaves a stale lock
// behind and force-unlock is never needed for this backend. Never delete the
// lock file while a run may hold it.
//
// A snapshot is written to a temporary file in the same directory, synced,
// hard-linked previous snapshot → backup, renamed over the snapshot, and
// the directory synced: a reader sees the old snapshot or the new one,
// never part of one, and a crash at any point leaves one of them complete.
//
// This package does not know about runs, replay or recovery: package state's
// Manager does that on top of any backend.
package local
