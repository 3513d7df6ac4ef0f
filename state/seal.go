package state

import (
	"github.com/indigo-cloud/indigo/state/encrypt"
)

// The functions below are the encoding functions with encryption at rest:
// a backend given an *encrypt.Target (SetEncryption) seals every snapshot
// and every journal record with it and opens what it reads. A nil target
// writes in clear and refuses to read sealed data with a message that
// says encryption is missing. A snapshot or record that cannot be opened
// (a wrong passphrase) is an error, never a *CorruptError, so that no
// recovery path replaces it.

// EncodeSealed is Encode sealed by t: OpenTofu's envelope with the
// snapshot's lineage and serial in clear.
func EncodeSealed(s *State, t *encrypt.Target) ([]byte, error) {
	data, err := Encode(s)
	if err != nil || !t.Encrypts() {
		return data, err
	}
	return t.SealState(data, s.Lineage, s.Serial)
}

// DecodeSealed opens data with t and decodes the snapshot inside. A
// Terraform or OpenTofu state sealed by OpenTofu is opened too (Decode
// reads it as Import does).
func DecodeSealed(name string, data []byte, t *encrypt.Target) (*State, error) {
	plain, err := openSnapshot(name, data, t)
	if err != nil {
		return nil, err
	}
	return Decode(name, plain)
}

// VerifySealed is Verify on the snapshot inside data.
func VerifySealed(name string, data []byte, t *encrypt.Target) (string, uint64, error) {
	plain, err := openSnapshot(name, data, t)
	if err != nil {
		return "", 0, err
	}
	return Verify(name, plain)
}

func openSnapshot(name string, data []byte, t *encrypt.Target) ([]byte, error) {
	if t == nil && !encrypt.IsSealed(data) {
		return data, nil
	}
	plain, _, err := t.Open(name, data)
	if err != nil {
		return nil, &SealError{Err: err}
	}
	return plain, nil
}

// SealError is the error for a snapshot that cannot be opened: encrypted
// with another key, or in clear when encryption requires a key. Backends
// never treat it as damage.
type SealError struct{ Err error }

func (e *SealError) Error() string { return "reading state: " + e.Err.Error() }
func (e *SealError) Unwrap() error { return e.Err }

// MarshalRecordSealed is MarshalRecordJSON sealed by t (the envelope is
// itself one line of JSON).
func MarshalRecordSealed(r Record, t *encrypt.Target) ([]byte, error) {
	b, err := MarshalRecordJSON(r)
	if err != nil || !t.Encrypts() {
		return b, err
	}
	return t.Seal(b)
}

// UnmarshalRecordSealed opens b with t and decodes the record inside.
func UnmarshalRecordSealed(b []byte, t *encrypt.Target) (Record, error) {
	return (*addrCache)(nil).unmarshalRecordSealed(b, t)
}

func (c *addrCache) unmarshalRecordSealed(b []byte, t *encrypt.Target) (Record, error) {
	if t != nil || encrypt.IsSealed(b) {
		plain, _, err := t.Open("journal record", b)
		if err != nil {
			return Record{}, err
		}
		b = plain
	}
	return c.unmarshalRecord(b)
}

// AppendJournalLineSealed is AppendJournalLine with the record sealed by t.
func AppendJournalLineSealed(buf []byte, r Record, t *encrypt.Target) ([]byte, error) {
	b, err := MarshalRecordSealed(r, t)
	if err != nil {
		return buf, err
	}
	return frame(buf, b), nil
}

// ParseJournalSealed is ParseJournal opening each record with t.
func ParseJournalSealed(name string, data []byte, t *encrypt.Target) (*JournalContents, error) {
	return parseJournal(name, data, t)
}
