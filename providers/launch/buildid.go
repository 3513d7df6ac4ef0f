package launch

import (
	"bytes"
	"debug/elf"
)

// goBuildID returns the Go build ID the linker wrote into the ELF
// executable at path (the note "Go", type 4, in .note.go.buildid), or ""
// when there is none. The ID ends with a hash of the binary's content, so
// two different builds never share it; reading it costs a few kilobytes
// where hashing the whole binary reads all of it (about 90 MB for indigo).
func goBuildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil || s.Size > 4096 {
		return ""
	}
	note, err := s.Data()
	if err != nil || len(note) < 16 {
		return ""
	}
	order := f.ByteOrder
	namesz, descsz, typ := order.Uint32(note[0:]), order.Uint32(note[4:]), order.Uint32(note[8:])
	const goBuildIDNote = 4
	name := note[12:]
	if typ != goBuildIDNote || namesz != 4 || len(name) < 4 || !bytes.Equal(name[:4], []byte("Go\x00\x00")) {
		return ""
	}
	desc := name[4:]
	if uint64(descsz) > uint64(len(desc)) || descsz == 0 {
		return ""
	}
	return string(desc[:descsz])
}
