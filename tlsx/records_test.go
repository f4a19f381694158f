package tlsx

import (
	"bytes"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// record builds one record of type typ with a body of n bytes.
func record(typ byte, n int) []byte {
	r := []byte{typ, 3, 3, byte(n >> 8), byte(n)}
	for i := 0; i < n; i++ {
		r = append(r, byte(i))
	}
	return r
}

// boundaries returns the offsets at which the records of data end, by a
// plain reading of the format, and the offset of a bad header (-1 if none).
func boundaries(data []byte) (ends []int, bad int) {
	off := 0
	for len(data)-off >= recordHeaderLen {
		typ, n := data[off], int(data[off+3])<<8|int(data[off+4])
		if typ < 20 || typ > 24 || n > maxRecordLen {
			return ends, off
		}
		if len(data)-off < recordHeaderLen+n {
			break
		}
		off += recordHeaderLen + n
		ends = append(ends, off)
	}
	return ends, -1
}

// wantAvailable is what recordBuf should report after being fed data.
func wantAvailable(data []byte) int {
	ends, bad := boundaries(data)
	if bad >= 0 {
		return len(data)
	}
	if len(ends) == 0 {
		return 0
	}
	return ends[len(ends)-1]
}

func TestRecordBufWhole(t *testing.T) {
	leakcheck.Check(t)
	stream := append(append(record(22, 100), record(23, 0)...), record(21, 2)...)
	var r recordBuf
	r.feed(stream)
	if r.available() != len(stream) || r.buffered() != len(stream) {
		t.Fatalf("available %d buffered %d, want %d", r.available(), r.buffered(), len(stream))
	}
	got := make([]byte, 1000)
	n := r.take(got)
	if !bytes.Equal(got[:n], stream) || r.buffered() != 0 {
		t.Fatalf("took %d bytes, %d left", n, r.buffered())
	}
}

// TestRecordBufSplit feeds a stream of records split at every byte offset
// and checks, after each part, that exactly the complete records are
// available, and that what is taken is the stream, in order.
func TestRecordBufSplit(t *testing.T) {
	leakcheck.Check(t)
	stream := append(append(append(record(22, 300), record(20, 1)...), record(23, 17)...), record(21, 2)...)
	for cut := 0; cut <= len(stream); cut++ {
		var r recordBuf
		r.feed(stream[:cut])
		if got, want := r.available(), wantAvailable(stream[:cut]); got != want {
			t.Fatalf("cut %d: available %d, want %d", cut, got, want)
		}
		var out []byte
		buf := make([]byte, 64) // smaller than a record: takes in pieces
		for r.available() > 0 {
			out = append(out, buf[:r.take(buf)]...)
		}
		r.feed(stream[cut:])
		if got, want := r.available(), len(stream)-len(out); got != want {
			t.Fatalf("cut %d: then available %d, want %d", cut, got, want)
		}
		for r.available() > 0 {
			out = append(out, buf[:r.take(buf)]...)
		}
		if !bytes.Equal(out, stream) {
			t.Fatalf("cut %d: took a different stream", cut)
		}
	}
	// One byte at a time.
	var r recordBuf
	ends, _ := boundaries(stream)
	for i := range stream {
		r.feed(stream[i : i+1])
		want := 0
		for _, e := range ends {
			if e <= i+1 {
				want = e
			}
		}
		if r.available() != want {
			t.Fatalf("byte %d: available %d, want %d", i, r.available(), want)
		}
	}
}

func TestRecordBufBadHeader(t *testing.T) {
	leakcheck.Check(t)
	cases := map[string][]byte{
		"http":      []byte("GET / HTTP/1.1\r\n"),
		"sslv2":     {0x80, 0x2e, 0x01, 0x03, 0x01},
		"oversized": {23, 3, 3, 0xff, 0xff, 1, 2},
		"type 0":    {0, 3, 3, 0, 1, 0},
	}
	for name, data := range cases {
		var r recordBuf
		r.feed(data[:4])
		if name != "http" && r.available() != 0 {
			t.Errorf("%s: %d available before the header is whole", name, r.available())
		}
		r.feed(data[4:])
		if r.available() != len(data) {
			t.Errorf("%s: available %d, want all %d", name, r.available(), len(data))
		}
		r.feed([]byte{1, 2, 3})
		if r.available() != len(data)+3 {
			t.Errorf("%s: bytes after a bad header are held back", name)
		}
	}
	// A valid record, then a bad header: the record, then everything.
	var r recordBuf
	r.feed(record(22, 3))
	r.feed([]byte{99})
	if r.available() != 8 {
		t.Fatalf("available %d, want 8", r.available())
	}
	r.feed([]byte{3, 3, 0, 0})
	if r.available() != 13 {
		t.Fatalf("available %d, want 13", r.available())
	}
}

func TestRecordBufTakeAll(t *testing.T) {
	leakcheck.Check(t)
	var r recordBuf
	r.feed(record(23, 10)[:8])
	if r.available() != 0 {
		t.Fatal("a cut record is available")
	}
	p := make([]byte, 100)
	if n := r.takeAll(p); n != 8 || r.buffered() != 0 {
		t.Fatalf("takeAll took %d, %d left", n, r.buffered())
	}
}

func TestRecordBufCompacts(t *testing.T) {
	leakcheck.Check(t)
	var r recordBuf
	rec := record(23, 1000)
	p := make([]byte, 1500)
	for i := 0; i < 200; i++ {
		r.feed(rec)
		r.feed(rec[:500])
		r.take(p[:1000+recordHeaderLen])
		r.feed(rec[500:])
		r.take(p)
	}
	if r.buffered() != 0 || cap(r.buf) > 16<<10 {
		t.Fatalf("buffered %d cap %d", r.buffered(), cap(r.buf))
	}
}

func FuzzRecordBuf(f *testing.F) {
	f.Add([]byte{3, 7}, append(record(22, 10), record(23, 40)...))
	f.Add([]byte{1}, []byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte{0, 0, 5}, append(record(21, 2), 23, 3, 3, 0xff))
	f.Add([]byte{}, append(record(20, 1), record(24, 0)...))
	f.Fuzz(func(t *testing.T, cuts, data []byte) {
		var r recordBuf
		var out []byte
		buf := make([]byte, 37)
		fed := 0
		for i := 0; fed < len(data); i++ {
			n := len(data) - fed
			if i < len(cuts) && int(cuts[i]) < n {
				n = int(cuts[i])
			}
			r.feed(data[fed : fed+n])
			fed += n
			if got, want := len(out)+r.available(), wantAvailable(data[:fed]); got != want {
				t.Fatalf("after %d bytes: %d taken + %d available, want %d", fed, len(out), r.available(), want)
			}
			if r.buffered() != fed-len(out) {
				t.Fatalf("after %d bytes: %d buffered, want %d", fed, r.buffered(), fed-len(out))
			}
			if i%2 == 1 { // take some, not all
				out = append(out, buf[:r.take(buf)]...)
			}
		}
		for r.available() > 0 {
			out = append(out, buf[:r.take(buf)]...)
		}
		if !bytes.Equal(out, data[:len(out)]) {
			t.Fatal("took bytes out of order")
		}
		out = append(out, buf[:r.takeAll(buf[:])]...)
		for r.buffered() > 0 {
			out = append(out, buf[:r.takeAll(buf)]...)
		}
		if !bytes.Equal(out, data) {
			t.Fatal("takeAll lost bytes")
		}
	})
}
