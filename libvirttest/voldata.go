package libvirttest

// volBlock is the unit in which volume content is stored and counted
// towards a volume's allocation, like a file system block.
const volBlock = 4096

// volData is the content of a volume as a sparse set of blocks: a block
// that was never written, or was punched out by a hole, reads as zeros
// and costs no memory. It is guarded by the driver's mutex.
type volData struct {
	blocks map[int64]*[volBlock]byte // by block index
}

// size is the memory the stored blocks take, which is also how much of
// the volume is allocated.
func (vd *volData) size() int64 {
	if vd == nil {
		return 0
	}
	return int64(len(vd.blocks)) * volBlock
}

// newBlocks counts the blocks a write of n bytes at off would add.
func (vd *volData) newBlocks(off, n int64) int64 {
	if n <= 0 {
		return 0
	}
	var count int64
	for b := off / volBlock; b <= (off+n-1)/volBlock; b++ {
		if vd.blocks[b] == nil {
			count++
		}
	}
	return count
}

// write stores p at off.
func (vd *volData) write(off int64, p []byte) {
	if vd.blocks == nil {
		vd.blocks = map[int64]*[volBlock]byte{}
	}
	for len(p) > 0 {
		b, in := off/volBlock, off%volBlock
		blk := vd.blocks[b]
		if blk == nil {
			blk = new([volBlock]byte)
			vd.blocks[b] = blk
		}
		k := copy(blk[in:], p)
		p = p[k:]
		off += int64(k)
	}
}

// punch makes n bytes at off read as zeros: whole blocks are dropped,
// the covered part of a partial block is cleared.
func (vd *volData) punch(off, n int64) {
	if len(vd.blocks) == 0 || n <= 0 {
		return
	}
	end := off + n
	first, last := off/volBlock, (end-1)/volBlock
	if last-first+1 > int64(len(vd.blocks)) {
		// A hole larger than what is stored: visit the stored blocks
		// rather than every block of the range.
		for b, blk := range vd.blocks {
			if b >= first && b <= last {
				vd.clearBlock(b, blk, off, end)
			}
		}
		return
	}
	for b := first; b <= last; b++ {
		if blk := vd.blocks[b]; blk != nil {
			vd.clearBlock(b, blk, off, end)
		}
	}
}

// clearBlock zeroes the part of block b inside [off, end), dropping the
// block when all of it is covered.
func (vd *volData) clearBlock(b int64, blk *[volBlock]byte, off, end int64) {
	start := b * volBlock
	lo, hi := max(off, start), min(end, start+volBlock)
	if lo == start && hi == start+volBlock {
		delete(vd.blocks, b)
		return
	}
	clear(blk[lo-start : hi-start])
}

// read fills p with the content at off.
func (vd *volData) read(off int64, p []byte) {
	for len(p) > 0 {
		b, in := off/volBlock, off%volBlock
		k := min(int64(len(p)), volBlock-in)
		if blk := vd.blocks[b]; blk != nil {
			copy(p[:k], blk[in:in+k])
		} else {
			clear(p[:k])
		}
		p = p[k:]
		off += k
	}
}

// extent reports whether the content at off is stored data or a hole,
// and how far (up to end, and up to max for data) that lasts.
func (vd *volData) extent(off, end, max int64) (data bool, n int64) {
	data = vd.blocks[off/volBlock] != nil
	limit := end
	if data && off+max < limit {
		limit = off + max
	}
	pos := (off/volBlock + 1) * volBlock
	if !data && (limit-pos)/volBlock > int64(len(vd.blocks)) {
		// A long hole: the nearest stored block ends it.
		next := limit
		for b := range vd.blocks {
			if s := b * volBlock; s >= pos && s < next {
				next = s
			}
		}
		return false, next - off
	}
	for pos < limit && (vd.blocks[pos/volBlock] != nil) == data {
		pos += volBlock
	}
	if pos > limit {
		pos = limit
	}
	return data, pos - off
}
