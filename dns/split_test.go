package dns

import (
	"bytes"
	"io"
	"testing/iotest"
)

// splitReader returns data in two reads, cut at offset.
type splitReader struct {
	parts [][]byte
}

func (s *splitReader) Read(p []byte) (int, error) {
	for len(s.parts) > 0 && len(s.parts[0]) == 0 {
		s.parts = s.parts[1:]
	}
	if len(s.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.parts[0])
	s.parts[0] = s.parts[0][n:]
	return n, nil
}

// readers yields, for data, a reader split at every byte offset and a
// one-byte-at-a-time reader.
func readers(data []byte) func(yield func(string, io.Reader) bool) {
	return func(yield func(string, io.Reader) bool) {
		for i := 0; i <= len(data); i++ {
			if !yield("split", &splitReader{parts: [][]byte{data[:i:i], data[i:]}}) {
				return
			}
		}
		yield("one byte", iotest.OneByteReader(bytes.NewReader(data)))
	}
}
