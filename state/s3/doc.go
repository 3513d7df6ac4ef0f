// Package s3 is the S3 state backend: a workspace's snapshot, journal and
// lock are objects in one bucket, next to a key (DefaultKey unless
// configured). Any server that implements S3's conditional writes works:
// Amazon S3, MinIO, and others that honour If-None-Match and If-Match on
// PUT.
//
//	KEY                         the snapshot (the documented JSON format with its checksum)
//	KEY.backup                  the previous snapshot
//	KEY.lock                    the lock: exists while a run holds it; the holder (JSON) inside
//	KEY.journal                 the journal head: the journal's header line; the
//	                            generation in its metadata (x-amz-meta-indigo-generation)
//	KEY.journal.d/GEN/SEQ       the entries of generation GEN, one object per append,
//	                            SEQ a 20-digit number from 0; each holds the
//	                            checksummed lines of the records appended at once
//
// # Lock
//
// Lock creates KEY.lock with If-None-Match: * (a conditional write): the
// server lets exactly one of several concurrent creators succeed and answers
// the others 412 Precondition Failed. A run that finds the lock held reads
// the holder from the object and fails at once naming it. Unlock reads the
// object and deletes it only when it still holds this run's lock ID, so a
// run whose lock was forced does not delete its successor's (the DELETE
// also carries If-Match: ETAG, which closes the moment between the read and
// the delete on servers that implement conditional deletes; the MinIO the
// tests run ignores it). Unlike a local flock or a PostgreSQL session lock,
// nothing releases the lock of a run that died: the next run reports who
// held it and since when, and `indigo force-unlock ID` deletes it.
//
// A forced holder that is still running is stopped by the objects, not by
// the lock: its next journal append fails once another run has started a
// journal (below), and its snapshot writes fail once another run has
// written a snapshot of the same or a greater serial.
//
// # Snapshots
//
// WriteSnapshot reads the current snapshot and its ETag, checks the
// compare-and-swap rule (same lineage, greater serial), copies it to
// KEY.backup on the server conditionally on that ETag
// (x-amz-copy-source-if-match), then writes the new snapshot with If-Match:
// ETAG (If-None-Match: * for the first one). A writer that read an older
// snapshot, such as a run whose lock was forced, gets 412 and a
// *state.ConflictError: it never overwrites what another run wrote. Every
// object is written with one PUT, so a reader sees a whole snapshot, the
// old one or the new one.
//
// # Journal
//
// The journal is the local backend's journal file cut into objects: the
// head holds the header line, and reading the head, then its generation's
// entries in key order (a listing), and concatenating them gives the file.
// An append is one PUT of a new entry (If-None-Match: *, never replacing
// one) followed by a HEAD of the head: when its ETag is no longer the one
// this journal wrote, another run has restarted the journal and the append
// fails, so a run that lost the lock stops instead of calling providers
// with intents nobody will replay. Appends cost the same whatever the
// journal's length.
//
// OpenJournal writes the carried records as entry 0 of a new generation,
// then replaces the head (the switch is that one PUT), then deletes the
// entries of every other generation: the journal is emptied this way when
// the Manager starts a new one after a snapshot (it keeps one snapshot's
// worth of records so the backup can be brought up to date). Entries of a
// generation whose head was never written (a run that died in between) are
// ignored and deleted by the next OpenJournal. ReadJournal re-reads the
// head's ETag after the entries and starts again when the journal was
// replaced meanwhile.
//
// # Connection
//
// New checks that the endpoint answers, that the credentials are accepted
// and that the bucket exists. A missing bucket is an error that says to
// create it, unless Config.CreateBucket asks the backend to create it.
// Errors name the endpoint, the bucket and the key; credentials are never
// part of an error or of Config's printed form.
//
// This package does not know about runs, replay or recovery: package
// state's Manager does that on top of any backend.
package s3
