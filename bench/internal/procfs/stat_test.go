package procfs

import (
	"errors"
	"os"
	"testing"
	"time"
)

const sampleStat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1234 0 0 0 " +
	"250 37 0 0 20 0 3 0 987654 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"

func TestParseStat(t *testing.T) {
	st, err := ParseStat([]byte(sampleStat))
	if err != nil {
		t.Fatal(err)
	}
	if st.UTime != 250 || st.STime != 37 {
		t.Fatalf("got %+v, want utime 250 stime 37", st)
	}
	if got, want := st.CPU(), 2870*time.Millisecond; got != want {
		t.Fatalf("CPU() = %v, want %v", got, want)
	}
}

func TestParseStatMalformed(t *testing.T) {
	for _, in := range []string{
		"",
		"1 name S 1 2 3",
		"1 (name) S 1 2 3",
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 1",
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 1 -2",
		"1 ) (x S 1 1 1 0 -1 0 0 0 0 0 1 2",
	} {
		if _, err := ParseStat([]byte(in)); !errors.Is(err, ErrMalformedStat) {
			t.Errorf("ParseStat(%q) error = %v, want ErrMalformedStat", in, err)
		}
	}
}

func TestReadCPUTimeSelf(t *testing.T) {
	// Burn a little CPU so the figure cannot stay at zero by rounding.
	start := time.Now()
	x := 0
	for time.Since(start) < 30*time.Millisecond {
		x++
	}
	_ = x
	d, err := ReadCPUTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d <= 0 {
		t.Fatalf("ReadCPUTime(self) = %v, want > 0", d)
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte(sampleStat))
	f.Add([]byte("1 (a) R 0 0 0 0 0 0 0 0 0 0 1 2"))
	f.Add([]byte("(("))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStat(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedStat) {
				t.Fatalf("error %v does not wrap ErrMalformedStat", err)
			}
			return
		}
		// A result that parsed must parse the same way again.
		again, err := ParseStat(b)
		if err != nil || again != st {
			t.Fatalf("second parse differs: %+v %v", again, err)
		}
	})
}
