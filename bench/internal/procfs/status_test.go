package procfs

import (
	"errors"
	"os"
	"testing"
)

const sampleStatus = `Name:	bench
Umask:	0022
State:	S (sleeping)
VmPeak:	 1261880 kB
VmHWM:	   10240 kB
VmRSS:	    8192 kB
RssAnon:	    4000 kB
Threads:	5
`

func TestParseStatus(t *testing.T) {
	m, err := ParseStatus([]byte(sampleStatus))
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS != 8192*1024 || m.HWM != 10240*1024 {
		t.Fatalf("got %+v", m)
	}
}

func TestParseStatusMissing(t *testing.T) {
	m, err := ParseStatus([]byte("Name:\tkthread\nState:\tS\n"))
	if err != nil || m != (Memory{}) {
		t.Fatalf("got %+v, %v; want zero, nil", m, err)
	}
}

func TestParseStatusMalformed(t *testing.T) {
	for _, in := range []string{
		"VmRSS:\t12\n",
		"VmRSS:\tx kB\n",
		"VmHWM:\t-1 kB",
		"VmHWM:\t1 MB",
		"VmRSS:\t99999999999999999999 kB",
	} {
		if _, err := ParseStatus([]byte(in)); !errors.Is(err, ErrMalformedStatus) {
			t.Errorf("ParseStatus(%q) error = %v, want ErrMalformedStatus", in, err)
		}
	}
}

func TestReadMemorySelf(t *testing.T) {
	m, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.HWM < m.RSS {
		t.Fatalf("ReadMemory(self) = %+v, want 0 < RSS <= HWM", m)
	}
}

func TestCountFDs(t *testing.T) {
	before, err := CountFDs(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	after, err := CountFDs(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after != before+1 {
		t.Fatalf("CountFDs went from %d to %d after one open, want +1", before, after)
	}
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte(sampleStatus))
	f.Add([]byte("VmRSS:\t1 kB"))
	f.Add([]byte("VmHWM: 2 kB\nVmRSS: x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseStatus(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedStatus) {
				t.Fatalf("error %v does not wrap ErrMalformedStatus", err)
			}
			return
		}
		if m.RSS < 0 || m.HWM < 0 {
			t.Fatalf("negative figure %+v", m)
		}
	})
}
