package resp_test

import (
	"strings"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
)

func benchNext(b *testing.B, msg []byte) {
	b.Helper()
	d := resp.NewDecoder()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		d.Feed(msg)
		if _, err := d.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, msg []byte) {
	b.Helper()
	var d resp.Decoder
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := d.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

var (
	benchOK     = []byte("+OK\r\n")
	benchInt    = []byte(":1000\r\n")
	benchBulk   = []byte("$100\r\n" + strings.Repeat("v", 100) + "\r\n")
	benchArray  = []byte("*10\r\n" + strings.Repeat("$8\r\nelement0\r\n", 10))
	benchNested = []byte("*2\r\n%2\r\n+a\r\n:1\r\n+b\r\n*2\r\n,1.5\r\n#t\r\n" + "*3\r\n$1\r\nx\r\n_\r\n(123456789012345678901234567890\r\n")
)

func BenchmarkNextOK(b *testing.B)        { benchNext(b, benchOK) }
func BenchmarkNextInt(b *testing.B)       { benchNext(b, benchInt) }
func BenchmarkNextBulk100(b *testing.B)   { benchNext(b, benchBulk) }
func BenchmarkNextArray10(b *testing.B)   { benchNext(b, benchArray) }
func BenchmarkNextNested(b *testing.B)    { benchNext(b, benchNested) }
func BenchmarkDecodeOK(b *testing.B)      { benchDecode(b, benchOK) }
func BenchmarkDecodeInt(b *testing.B)     { benchDecode(b, benchInt) }
func BenchmarkDecodeBulk100(b *testing.B) { benchDecode(b, benchBulk) }
func BenchmarkDecodeArray10(b *testing.B) { benchDecode(b, benchArray) }
func BenchmarkDecodeNested(b *testing.B)  { benchDecode(b, benchNested) }

// BenchmarkNextPipelined decodes 100 replies fed at once, as a driver does
// after one read that returns a batch of pipelined replies.
func BenchmarkNextPipelined(b *testing.B) {
	var batch []byte
	for range 25 {
		batch = append(batch, benchOK...)
		batch = append(batch, benchInt...)
		batch = append(batch, benchBulk...)
		batch = append(batch, benchArray...)
	}
	d := resp.NewDecoder()
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	for b.Loop() {
		d.Feed(batch)
		for {
			if _, err := d.Next(); err != nil {
				if err != resp.ErrNeedMore {
					b.Fatal(err)
				}
				break
			}
		}
	}
}

func BenchmarkAppendCommandSET(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = resp.AppendCommand(buf[:0], "SET", "key", "value")
	}
}

func BenchmarkCommandSET(b *testing.B) {
	buf := make([]byte, 0, 64)
	key := []byte("key")
	b.ReportAllocs()
	for b.Loop() {
		buf = resp.NewCommand(buf[:0]).Str("SET").Bytes(key).Str("value").Finish()
	}
}

func BenchmarkCommandMixed(b *testing.B) {
	buf := make([]byte, 0, 128)
	key := []byte("key")
	b.ReportAllocs()
	for b.Loop() {
		buf = resp.NewCommand(buf[:0]).Str("ZADD").Bytes(key).Float(1.5).Str("member").Str("EX").Int(3600).Finish()
	}
}

func BenchmarkAppendValueArray10(b *testing.B) {
	v, _, err := new(resp.Decoder).Decode(benchArray)
	if err != nil {
		b.Fatal(err)
	}
	v = v.Clone()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = resp.AppendValue(buf[:0], v)
	}
}
