package httpbench

import (
	"errors"
	"testing"
	"time"
)

const wrkSample = `Running 1s test @ http://127.0.0.1:8080/plaintext
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   350.12us  100.00us   2.00ms   90.00%
    Req/Sec    12.34k     1.00k   13.00k    70.00%
  12345 requests in 1.00s, 1.50MB read
Requests/sec:  12340.50
Transfer/sec:      1.50MB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkSample)
	if err != nil || r.requests != 12345 || r.rate != 12340.50 || r.socketErrs != "" {
		t.Fatalf("%+v %v", r, err)
	}
	r, err = parseWrk(wrkSample + "  Socket errors: connect 0, read 3, write 0, timeout 0\n")
	if err != nil || r.socketErrs != "connect 0, read 3, write 0, timeout 0" {
		t.Fatalf("socket errors: %+v %v", r, err)
	}
	for _, bad := range []string{
		wrkSample + "  Non-2xx or 3xx responses: 3\n",
		"garbage",
		"  0 requests in 1.00s, 0B read\nRequests/sec: 0.00\n",
		"  99999999999999999999999 requests in 1.00s\nRequests/sec: 1\n",
	} {
		if _, err := parseWrk(bad); !errors.Is(err, ErrWrkOutput) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestWrkSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		100 * time.Millisecond:  "1s",
		time.Second:             "1s",
		1500 * time.Millisecond: "2s",
		5 * time.Second:         "5s",
	} {
		if got := wrkSeconds(d); got != want {
			t.Errorf("wrkSeconds(%v) = %s, want %s", d, got, want)
		}
	}
}

// FuzzParseWrk checks that no wrk output makes parseWrk panic, and that
// what it accepts makes sense.
func FuzzParseWrk(f *testing.F) {
	f.Add(wrkSample)
	f.Add(wrkSample + "  Non-2xx or 3xx responses: 3\n")
	f.Add("1 requests in\nRequests/sec: 1.5\nSocket errors: x")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseWrk(s)
		if err != nil {
			if !errors.Is(err, ErrWrkOutput) {
				t.Fatalf("error not ErrWrkOutput: %v", err)
			}
			return
		}
		if r.requests <= 0 || r.rate < 0 {
			t.Fatalf("accepted %+v", r)
		}
	})
}
