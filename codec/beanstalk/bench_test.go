package beanstalk

import (
	"bytes"
	"strconv"
	"testing"
)

func BenchmarkAppendPut(b *testing.B) {
	var e Encoder
	body := bytes.Repeat([]byte("x"), 100)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var err error
		buf, err = e.AppendPut(buf[:0], 1024, 0, 60, body)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeReserved(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 100)
	wire := append([]byte("RESERVED 123456 "+strconv.Itoa(len(body))+"\r\n"), body...)
	wire = append(wire, "\r\n"...)
	var d Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(wire)))
	for b.Loop() {
		d.Feed(wire)
		r, err := d.Next(KindReserve)
		if err != nil || len(r.Body) != len(body) {
			b.Fatal(err)
		}
	}
}
