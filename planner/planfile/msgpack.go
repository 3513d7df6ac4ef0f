package planfile

import "fmt"

// maxMsgpackDepth bounds how deeply msgpack containers may nest; cty's
// decoder recurses once per level.
const maxMsgpackDepth = 512

// checkMsgpack walks b as exactly one msgpack item and checks that every
// length it declares fits in the bytes that are left. The msgpack decoders
// (vmihailenco/msgpack and cty's) allocate what a length announces before
// reading the elements, so without this check a few forged bytes could ask
// for gigabytes. After it, every declared element is backed by at least one
// byte of input.
func checkMsgpack(b []byte) error {
	pos := 0
	need := func(n uint64) ([]byte, error) {
		if n > uint64(len(b)-pos) {
			return nil, fmt.Errorf("msgpack: %d bytes announced at offset %d, %d left", n, pos, len(b)-pos)
		}
		s := b[pos : pos+int(n)]
		pos += int(n)
		return s, nil
	}
	readUint := func(size int) (uint64, error) {
		s, err := need(uint64(size))
		if err != nil {
			return 0, err
		}
		var v uint64
		for _, c := range s {
			v = v<<8 | uint64(c)
		}
		return v, nil
	}
	// stack holds, for each open container, how many items it still owes.
	stack := []uint64{1}
	for len(stack) > 0 {
		if stack[len(stack)-1] == 0 {
			stack = stack[:len(stack)-1]
			continue
		}
		stack[len(stack)-1]--
		if pos >= len(b) {
			return fmt.Errorf("msgpack: truncated at offset %d", pos)
		}
		c := b[pos]
		pos++
		var (
			items uint64 // elements of a container (map entries count twice)
			skip  uint64 // bytes of a scalar's body
			err   error
			n     uint64
		)
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		case c >= 0x80 && c <= 0x8f:
			items = uint64(c&0x0f) * 2
		case c >= 0x90 && c <= 0x9f:
			items = uint64(c & 0x0f)
		case c >= 0xa0 && c <= 0xbf:
			skip = uint64(c & 0x1f)
		case c == 0xc4 || c == 0xd9:
			skip, err = readUint(1)
		case c == 0xc5 || c == 0xda:
			skip, err = readUint(2)
		case c == 0xc6 || c == 0xdb:
			skip, err = readUint(4)
		case c == 0xc7:
			n, err = readUint(1)
			skip = n + 1
		case c == 0xc8:
			n, err = readUint(2)
			skip = n + 1
		case c == 0xc9:
			n, err = readUint(4)
			skip = n + 1
		case c == 0xca || c == 0xce || c == 0xd2:
			skip = 4
		case c == 0xcb || c == 0xcf || c == 0xd3:
			skip = 8
		case c == 0xcc || c == 0xd0:
			skip = 1
		case c == 0xcd || c == 0xd1:
			skip = 2
		case c >= 0xd4 && c <= 0xd8:
			skip = 1 + 1<<(c-0xd4)
		case c == 0xdc:
			items, err = readUint(2)
		case c == 0xdd:
			items, err = readUint(4)
		case c == 0xde:
			n, err = readUint(2)
			items = n * 2
		case c == 0xdf:
			n, err = readUint(4)
			items = n * 2
		default:
			return fmt.Errorf("msgpack: invalid byte %#x at offset %d", c, pos-1)
		}
		if err != nil {
			return err
		}
		if _, err := need(skip); err != nil {
			return err
		}
		if items > 0 {
			if items > uint64(len(b)-pos) {
				return fmt.Errorf("msgpack: %d elements announced at offset %d, %d bytes left", items, pos, len(b)-pos)
			}
			if len(stack) >= maxMsgpackDepth {
				return fmt.Errorf("msgpack: nested more than %d deep", maxMsgpackDepth)
			}
			stack = append(stack, items)
		}
	}
	if pos != len(b) {
		return fmt.Errorf("msgpack: %d unexpected bytes after the value", len(b)-pos)
	}
	return nil
}
