// Package planfile reads and writes plan files: what `indigo plan -out
// FILE` saves and `indigo apply FILE` and `indigo show FILE` read back.
//
// A plan file is
//
//	magic       "indigo plan file\n" (17 bytes, so `head -1` tells what it is)
//	version     uint16, big endian: FormatVersion
//	length      uint64, big endian: the payload's length in bytes
//	payload     msgpack of filePlan
//	checksum    SHA-256 of everything before it
//
// The checksum is checked before the payload is decoded, so a truncated or
// damaged file is refused as a whole rather than read as half a plan.
//
// Resource values are stored the way providers exchange them: cty's msgpack
// encoding for the change's schema type (which keeps unknown values), the
// type itself as cty's JSON type encoding, kept once per distinct type in a
// table. Marks cannot be encoded, so the sensitive mark is stripped before
// encoding, its paths recorded beside the value and put back on reading.
// Marks other than marks.Sensitive are not kept: nothing after planning
// needs them.
//
// The payload uses explicit wire structs (wire.go) rather than the model's
// types, so that renaming a Go field never silently changes the file format,
// and every enumeration it holds (actions, modes, reasons, ranking outcomes
// and criteria, resource modes, object kinds) goes through a fixed table of
// wire codes, so that adding or reordering a constant in the model never
// changes what a saved plan means. A code the tables do not know is an
// error, never a guess.
//
// This package is not the plan model (planner/plan) and not a view of it:
// the JSON plan view that tools read is cmd/indigo/view/jsonplan. The plan
// file format is private to indigo, versioned by FormatVersion, and only
// promised to be read by the indigo that wrote it or a later one.
package planfile
