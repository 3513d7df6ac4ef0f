package planfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/indigo-cloud/indigo/planner/plan"
)

// FormatVersion is the version of the plan file format Write produces
// and the highest one Read accepts.
const FormatVersion = 1

const fileMagic = "indigo plan file\n"

// headerLen is the size of magic, version and length.
const headerLen = len(fileMagic) + 2 + 8

// ErrNotPlan is returned (wrapped) by Read when the input is not an
// indigo plan file at all.
var ErrNotPlan = errors.New("not an indigo plan file")

// ErrCorrupt is returned (wrapped) by Read when the input starts like a
// plan file but is truncated or damaged.
var ErrCorrupt = errors.New("the plan file is truncated or damaged")

// Write encodes p in the plan file format: what `indigo plan -out FILE`
// saves and `indigo apply FILE` reads back with Read.
func Write(w io.Writer, p *plan.Plan) error {
	if p == nil {
		return errors.New("writing plan file: no plan")
	}
	enc := newFileEncoder()
	fp, err := enc.plan(p)
	if err != nil {
		return fmt.Errorf("writing plan file: %w", err)
	}
	payload, err := msgpack.Marshal(fp)
	if err != nil {
		return fmt.Errorf("writing plan file: encoding: %w", err)
	}
	buf := make([]byte, 0, headerLen+len(payload)+sha256.Size)
	buf = append(buf, fileMagic...)
	buf = binary.BigEndian.AppendUint16(buf, FormatVersion)
	buf = binary.BigEndian.AppendUint64(buf, uint64(len(payload)))
	buf = append(buf, payload...)
	sum := sha256.Sum256(buf)
	buf = append(buf, sum[:]...)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("writing plan file: %w", err)
	}
	return nil
}

// Read decodes a plan file written by Write. A file that is not a plan
// file, was written by a newer indigo, or is truncated or damaged is an
// error; Read never returns part of a plan.
func Read(r io.Reader) (*plan.Plan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading plan file: %w", err)
	}
	payload, err := checkFrame(data)
	if err != nil {
		return nil, err
	}
	if err := checkMsgpack(payload); err != nil {
		return nil, fmt.Errorf("reading plan file: %w: %v", ErrCorrupt, err)
	}
	var fp filePlan
	dec := msgpack.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&fp); err != nil {
		return nil, fmt.Errorf("reading plan file: %w: decoding: %v", ErrCorrupt, err)
	}
	p, err := new(fileDecoder).plan(&fp)
	if err != nil {
		return nil, fmt.Errorf("reading plan file: %w: %v", ErrCorrupt, err)
	}
	return p, nil
}

// checkFrame verifies magic, version, length and checksum and returns the
// payload.
func checkFrame(data []byte) ([]byte, error) {
	if len(data) < len(fileMagic) || string(data[:len(fileMagic)]) != fileMagic {
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			return nil, fmt.Errorf("reading plan file: %w: it looks like a Terraform or OpenTofu plan (a zip archive); indigo applies only plans saved by indigo plan -out", ErrNotPlan)
		}
		if len(data) > 0 && len(data) < len(fileMagic) && fileMagic[:len(data)] == string(data) {
			return nil, fmt.Errorf("reading plan file: %w (%d bytes, shorter than the header)", ErrCorrupt, len(data))
		}
		return nil, fmt.Errorf("reading plan file: %w", ErrNotPlan)
	}
	if len(data) < headerLen {
		return nil, fmt.Errorf("reading plan file: %w (%d bytes, shorter than the header)", ErrCorrupt, len(data))
	}
	version := binary.BigEndian.Uint16(data[len(fileMagic):])
	if version == 0 {
		return nil, fmt.Errorf("reading plan file: %w (format version 0)", ErrCorrupt)
	}
	if version > FormatVersion {
		return nil, fmt.Errorf("reading plan file: it uses format version %d, written by a newer indigo; this indigo reads format %d: run indigo plan again with this version", version, FormatVersion)
	}
	length := binary.BigEndian.Uint64(data[len(fileMagic)+2:])
	rest := uint64(len(data) - headerLen)
	if rest < sha256.Size || length != rest-sha256.Size {
		return nil, fmt.Errorf("reading plan file: %w (the header announces %d bytes of plan, the file holds %d)", ErrCorrupt, length, max(int64(rest)-sha256.Size, 0))
	}
	end := headerLen + int(length)
	sum := sha256.Sum256(data[:end])
	if !bytes.Equal(sum[:], data[end:]) {
		return nil, fmt.Errorf("reading plan file: %w (checksum mismatch)", ErrCorrupt)
	}
	return data[headerLen:end], nil
}
