package wallet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// ErrDamaged is returned when the vault file itself is damaged (truncated,
// overwritten, or with impossible key-derivation parameters), so that a
// caller can say so in one line instead of crashing on it.
var ErrDamaged = errors.New("vault file damaged")

func damaged(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrDamaged, fmt.Sprintf(format, a...))
}

// Limits on stored key-derivation parameters: argon2 panics on zero time or
// threads, and a damaged memory figure must not ask for more than a
// gigabyte.
const (
	maxKDFTime    = 100
	maxKDFMemory  = 1 << 20 // KiB: 1 GiB
	maxKDFThreads = 64
	minSaltLen    = 16
)

// check reports whether the parameters can be handed to argon2 safely.
func (p KDFParams) check() error {
	switch {
	case p.Time < 1 || p.Time > maxKDFTime:
		return fmt.Errorf("key-derivation time %d is outside 1 to %d", p.Time, maxKDFTime)
	case p.Threads < 1 || p.Threads > maxKDFThreads:
		return fmt.Errorf("key-derivation threads %d is outside 1 to %d", p.Threads, maxKDFThreads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxKDFMemory:
		return fmt.Errorf("key-derivation memory %d KiB is outside %d to %d", p.Memory, 8*uint32(p.Threads), maxKDFMemory)
	}
	return nil
}

// bbolt's meta page, as bbolt v1 writes it in native byte order.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltPageHeader = 16
	boltMetaSum    = 56 // bytes of the meta before its checksum
	boltNoFreelist = ^uint64(0)
)

type boltMeta struct {
	pageSize            uint32
	root, freelist, hwm uint64
	txid                uint64
}

func readBoltMeta(b []byte) (boltMeta, bool) {
	if len(b) < boltPageHeader+boltMetaSum+8 {
		return boltMeta{}, false
	}
	m := b[boltPageHeader:]
	e := binary.NativeEndian
	if e.Uint32(m[0:]) != boltMagic || e.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(m[:boltMetaSum])
	if h.Sum64() != e.Uint64(m[boltMetaSum:]) {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: e.Uint32(m[8:]), root: e.Uint64(m[16:]), freelist: e.Uint64(m[32:]),
		hwm: e.Uint64(m[40:]), txid: e.Uint64(m[48:])}, true
}

// checkFile looks at an existing vault file before bbolt does: bbolt trusts
// its meta pages and panics on a file shorter than they say. A missing or
// empty file is fine (it will be created).
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return nil // let bbolt report what it cannot open
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.Size() == 0 {
		return nil
	}
	head := make([]byte, 128)
	n, _ := io.ReadFull(f, head)
	m0, ok0 := readBoltMeta(head[:n])
	best, ok := m0, ok0
	for _, ps := range []int64{int64(m0.pageSize), 4096, int64(os.Getpagesize())} {
		if ps < 1024 || ps > 1<<16 {
			continue
		}
		buf := make([]byte, 128)
		n, _ := f.ReadAt(buf, ps)
		if m1, ok1 := readBoltMeta(buf[:n]); ok1 && (!ok || m1.txid > best.txid) {
			best, ok = m1, true
		}
		if ok0 {
			break // the first meta page names the page size; trust only it
		}
	}
	if !ok {
		return damaged("no intact header page (%d bytes)", info.Size())
	}
	ps := uint64(best.pageSize)
	if ps < 1024 || ps > 1<<16 {
		return damaged("impossible page size %d", ps)
	}
	if best.hwm < 4 || best.hwm > uint64(info.Size())/ps {
		return damaged("the file is %d bytes but its header says %d", info.Size(), best.hwm*ps)
	}
	if best.root >= best.hwm || (best.freelist != boltNoFreelist && best.freelist >= best.hwm) {
		return damaged("the header points outside the file")
	}
	return nil
}
