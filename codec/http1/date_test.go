package http1

import (
	"math/rand/v2"
	"testing"
	"time"
)

var dateRef = time.Date(1994, time.November, 6, 8, 49, 37, 0, time.UTC)

func TestAppendDate(t *testing.T) {
	if got := string(AppendDate(nil, dateRef)); got != "Sun, 06 Nov 1994 08:49:37 GMT" {
		t.Fatalf("got %q", got)
	}
	zone := time.FixedZone("X", -5*3600)
	if got := string(AppendDate([]byte("Date: "), dateRef.In(zone))); got != "Date: Sun, 06 Nov 1994 08:49:37 GMT" {
		t.Fatalf("got %q", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		tm := time.Unix(r.Int64N(253402300799), 0) // up to 9999-12-31
		want := tm.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
		if got := string(AppendDate(nil, tm)); got != want || len(got) != DateLen {
			t.Fatalf("%v: got %q, want %q", tm, got, want)
		}
	}
	if got := string(AppendDate(nil, time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC))); got != "Fri, 31 Dec 9999 23:59:59 GMT" {
		t.Fatalf("clamped year: %q", got)
	}
	if got := string(AppendDate(nil, time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC))); got != "Sat, 01 Jan 0000 00:00:00 GMT" {
		t.Fatalf("clamped year: %q", got)
	}
}

func TestDateCache(t *testing.T) {
	var c DateCache
	if got := string(c.Append(nil, dateRef)); got != "Sun, 06 Nov 1994 08:49:37 GMT" {
		t.Fatalf("got %q", got)
	}
	if got := string(c.Append(nil, dateRef.Add(999*time.Millisecond))); got != "Sun, 06 Nov 1994 08:49:37 GMT" {
		t.Fatalf("same second: %q", got)
	}
	if got := string(c.Append([]byte("x"), dateRef.Add(time.Second))); got != "xSun, 06 Nov 1994 08:49:38 GMT" {
		t.Fatalf("next second: %q", got)
	}
	if got := string(c.AppendField([]byte("x"), dateRef.Add(time.Second))); got != "xDate: Sun, 06 Nov 1994 08:49:38 GMT\r\n" {
		t.Fatalf("field line: %q", got)
	}
	if got := string(c.AppendField(nil, dateRef.Add(2*time.Second))); got != "Date: Sun, 06 Nov 1994 08:49:39 GMT\r\n" {
		t.Fatalf("field line, next second: %q", got)
	}
	if got := string(c.Append(nil, dateRef.Add(2*time.Second+time.Millisecond))); got != "Sun, 06 Nov 1994 08:49:39 GMT" {
		t.Fatalf("after the field line: %q", got)
	}
}
