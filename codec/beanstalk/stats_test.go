package beanstalk

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseJobStatsSample(t *testing.T) {
	s, err := ParseJobStats(readSample(t, "stats-job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	raw := s.Raw
	s.Raw = nil
	want := JobStats{ID: 1, Tube: "my_tube", State: StateReserved, Pri: 1024, Age: 35 * time.Second,
		TTR: time.Minute, TimeLeft: 59 * time.Second, Reserves: 1}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v\nwant %+v", s, want)
	}
	if len(raw) != 14 || raw["state"] != "reserved" || raw["kicks"] != "0" {
		t.Fatalf("raw = %v", raw)
	}
}

func TestParseTubeStatsSample(t *testing.T) {
	s, err := ParseTubeStats(readSample(t, "stats-tube.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	raw := s.Raw
	s.Raw = nil
	want := TubeStats{Name: "my_tube", CurrentJobsReserved: 1, CurrentJobsDelayed: 1, TotalJobs: 2,
		CurrentUsing: 1, CurrentWatching: 1, CmdPauseTube: 1, Pause: 30 * time.Second, PauseTimeLeft: 27 * time.Second}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v\nwant %+v", s, want)
	}
	if len(raw) != 14 {
		t.Fatalf("raw has %d keys", len(raw))
	}
}

func TestParseServerStatsSample(t *testing.T) {
	s, err := ParseServerStats(readSample(t, "stats.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	raw := s.Raw
	s.Raw = nil
	want := ServerStats{
		CurrentJobsReserved: 1, CurrentJobsDelayed: 1, CmdPut: 2, CmdReserveWithTimeout: 1,
		CmdUse: 1, CmdWatch: 1, CmdStats: 1, CmdStatsJob: 1, CmdStatsTube: 1, TotalJobs: 2,
		MaxJobSize: 65535, CurrentTubes: 2, CurrentConnections: 1, CurrentProducers: 1,
		CurrentWorkers: 1, TotalConnections: 1, PID: 6087, Version: "1.12",
		RusageUtime: 2651 * time.Microsecond, RusageStime: time.Second + 20*time.Microsecond,
		Uptime: time.Second, BinlogMaxSize: 10485760, ID: "b1491ec41a0bc298", Hostname: "vm",
		OS: "#1 SMP PREEMPT_DYNAMIC @0", Platform: "x86_64",
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v\nwant %+v", s, want)
	}
	if len(raw) != 51 || raw["version"] != "1.12" || raw["os"] != "#1 SMP PREEMPT_DYNAMIC @0" {
		t.Fatalf("raw = %v", raw)
	}
	// Every typed field is filled from the sample: check that no known key
	// is missing from it, by counting keys the parser handles.
	m, err := ParseStatsMap(readSample(t, "stats.yaml"))
	if err != nil || !reflect.DeepEqual(m, raw) {
		t.Fatalf("ParseStatsMap = %v, %v", m, err)
	}
}

func TestParseServerStatsEveryField(t *testing.T) {
	// Give every key a distinct value and check each lands somewhere.
	keys := strings.Split(strings.TrimSpace(string(readSample(t, "stats.yaml"))), "\n")[1:]
	var b strings.Builder
	b.WriteString("---\n")
	for i, line := range keys {
		k, _, _ := strings.Cut(line, ":")
		switch k {
		case "draining":
			fmt.Fprintf(&b, "%s: true\n", k)
		default:
			fmt.Fprintf(&b, "%s: %d\n", k, i+1)
		}
	}
	s, err := ParseServerStats([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(s)
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Name != "Raw" && v.Field(i).IsZero() {
			t.Errorf("field %s not set", v.Type().Field(i).Name)
		}
	}
	if !s.Draining {
		t.Error("draining: true not parsed")
	}
}

func TestParseTubeList(t *testing.T) {
	got, err := ParseTubeList(readSample(t, "list-tubes.yaml"))
	if err != nil || !reflect.DeepEqual(got, []string{"default", "my_tube", "(x$y;z+/.)"}) {
		t.Fatalf("%q, %v", got, err)
	}
	got, err = ParseTubeList([]byte("---\n"))
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty list: %q, %v", got, err)
	}
	got, err = ParseTubeList([]byte("---\r\n- \"a b\"\r\n- 'it''s'\r\n\n# comment\n-\tc  \n"))
	if err != nil || !reflect.DeepEqual(got, []string{"a b", "it's", "c"}) {
		t.Fatalf("quoted list: %q, %v", got, err)
	}
}

func TestParseStatsMapScalars(t *testing.T) {
	in := "---\nplain: hello world\nquoted: \"1.12\"\nsingle: 'a''b'\nescaped: \"a\\\"b\\\\c\\n\"\n" +
		"empty:\nspaces:    padded   \nhash: #not a comment\ncolon: a: b\n\n# comment\nurl: http://x\n"
	m, err := ParseStatsMap([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"plain": "hello world", "quoted": "1.12", "single": "a'b", "escaped": "a\"b\\c\n",
		"empty": "", "spaces": "padded", "hash": "#not a comment", "colon": "a: b", "url": "http://x",
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %q\nwant %q", m, want)
	}
}

func TestMalformedYAML(t *testing.T) {
	maps := []string{
		"",
		"\n",
		"id: 1\n",
		"--\nid: 1\n",
		"--- \nid 1\n" + "",
		"---\nid 1\n",
		"---\n: 1\n",
		"---\nid:1\n",
		"---\n- default\n",
		"---\n-\n",
		"---\n  id: 1\n",
		"---\n\tid: 1\n",
		"---\nid: 1\nid: 2\n",
		"---\nid: \"1\n",
		"---\nid: \"1\" x\n",
		"---\nid: \"a\\q\"\n",
		"---\nid: \"a\\\n",
		"---\nid: 'a\n",
		"---\nid: 'a' b\n",
		"---\nid: [1, 2]\n",
		"---\nid: {a: 1}\n",
		"---\na b: 1\n",
		"---\n\"id\": 1\n",
		"---\nid\x00: 1\n",
	}
	for _, in := range maps {
		_, err := ParseStatsMap([]byte(in))
		var ye *YAMLError
		if !errors.As(err, &ye) || !errors.Is(err, ErrMalformedYAML) || ye.Line < 1 || err.Error() == "" {
			t.Errorf("ParseStatsMap(%q) = %v, want *YAMLError", in, err)
		}
	}
	lists := []string{"", "- a\n", "---\na: 1\n", "---\n-a\n", "---\n-\n", "---\n- \"a\n", "---\n  - a\n", "---\n- [a]\n"}
	for _, in := range lists {
		if _, err := ParseTubeList([]byte(in)); !errors.Is(err, ErrMalformedYAML) {
			t.Errorf("ParseTubeList(%q) = %v, want ErrMalformedYAML", in, err)
		}
	}
}

func TestStatsBadValues(t *testing.T) {
	jobs := []string{"id: x", "id: -1", "id: 18446744073709551616", "pri: 4294967296", "pri: 1.5",
		"age: x", "age: 1.", "age: .5", "ttr: 1.0000000001", "age: 99999999999", "file: ", "kicks: 1e3"}
	for _, kv := range jobs {
		_, err := ParseJobStats([]byte("---\nstate: ready\n" + kv + "\n"))
		var ye *YAMLError
		if !errors.As(err, &ye) || ye.Line != 3 || ye.Key == "" {
			t.Errorf("job stats %q: %v, want *YAMLError at line 3", kv, err)
		}
	}
	tubes := []string{"total-jobs: many", "pause: -", "current-using: 1 2"}
	for _, kv := range tubes {
		if _, err := ParseTubeStats([]byte("---\n" + kv + "\n")); !errors.Is(err, ErrMalformedYAML) {
			t.Errorf("tube stats %q: %v", kv, err)
		}
	}
	servers := []string{"draining: yes", "pid: one", "rusage-utime: 0,5", "uptime: 1h", "max-job-size: -1"}
	for _, kv := range servers {
		if _, err := ParseServerStats([]byte("---\n" + kv + "\n")); !errors.Is(err, ErrMalformedYAML) {
			t.Errorf("server stats %q: %v", kv, err)
		}
	}
	if _, err := ParseServerStats([]byte("no header")); !errors.Is(err, ErrMalformedYAML) {
		t.Error("server stats without header accepted")
	}
	if _, err := ParseTubeStats([]byte("no header")); !errors.Is(err, ErrMalformedYAML) {
		t.Error("tube stats without header accepted")
	}
}

func TestStatsUnknownAndMissingKeys(t *testing.T) {
	s, err := ParseJobStats([]byte("---\nid: 5\nfuture-key: whatever: 1\ntime-left: -1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != 5 || s.TimeLeft != -time.Second || s.Tube != "" || s.Raw["future-key"] != "whatever: 1" {
		t.Fatalf("%+v", s)
	}
}

func TestSeconds(t *testing.T) {
	good := map[string]time.Duration{
		"0": 0, "59": 59 * time.Second, "0.002651": 2651 * time.Microsecond,
		"1.5": 1500 * time.Millisecond, "2.000000001": 2*time.Second + 1, "-3": -3 * time.Second,
		"9223372035": 9223372035 * time.Second,
	}
	for in, want := range good {
		var d time.Duration
		if !setSeconds(&d, in) || d != want {
			t.Errorf("setSeconds(%q) = %v", in, d)
		}
	}
	for _, in := range []string{"", "-", "x", "1.", ".1", "1.x", "1.0000000001", "9223372037", "1 ", "--1", "1.-1"} {
		var d time.Duration
		if setSeconds(&d, in) {
			t.Errorf("setSeconds(%q) accepted: %v", in, d)
		}
	}
}
