package beanstalk

import (
	"errors"
	"io"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/testenv"
)

// startBeanstalkd runs a real beanstalkd through the test harness, with a
// max job size of 16 bytes, and connects to it.
func startBeanstalkd(t *testing.T) net.Conn {
	srv := testenv.Beanstalkd(t, testenv.MaxJobSize(16))
	c, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// TestRealServer pipelines every command to a real beanstalkd in one write
// and decodes the replies from reads of whatever size the kernel returns.
func TestRealServer(t *testing.T) {
	conn := startBeanstalkd(t)
	enc := Encoder{MaxJobSize: 1000} // above the server's 16, to see JOB_TOO_BIG
	type step struct {
		kind  Kind
		want  string // reply type, or error text
		check func(r Reply) bool
	}
	var out []byte
	var steps []step
	add := func(b []byte, err error) []byte {
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cmd := func(b []byte, k Kind, want string, check func(Reply) bool) {
		out = b
		steps = append(steps, step{k, want, check})
	}
	body := func(s string) func(Reply) bool { return func(r Reply) bool { return string(r.Body) == s } }
	id := func(n uint64) func(Reply) bool { return func(r Reply) bool { return r.ID == n } }
	count := func(n uint64) func(Reply) bool { return func(r Reply) bool { return r.Count == n } }

	cmd(add(enc.AppendUse(out, "t1")), KindUse, "USING", func(r Reply) bool { return r.Tube == "t1" })
	cmd(add(enc.AppendPut(out, 10, 0, 60, []byte("a\r\nb"))), KindPut, "INSERTED", id(1))
	cmd(add(enc.AppendPut(out, 5, 100, 60, nil)), KindPut, "INSERTED", id(2))
	cmd(add(enc.AppendPut(out, 5, 0, 60, make([]byte, 17))), KindPut, ErrJobTooBig.Error(), nil)
	cmd(add(enc.AppendWatch(out, "t1")), KindWatch, "WATCHING", count(2))
	cmd(add(enc.AppendIgnore(out, "default")), KindIgnore, "WATCHING", count(1))
	cmd(add(enc.AppendIgnore(out, "t1")), KindIgnore, ErrNotIgnored.Error(), nil)
	cmd(enc.AppendReserveWithTimeout(out, 0), KindReserveWithTimeout, "RESERVED", body("a\r\nb"))
	cmd(enc.AppendTouch(out, 1), KindTouch, "TOUCHED", nil)
	cmd(enc.AppendStatsJob(out, 1), KindStatsJob, "OK", func(r Reply) bool {
		s, err := ParseJobStats(r.Body)
		return err == nil && s.ID == 1 && s.Tube == "t1" && s.State == StateReserved && s.Pri == 10 && s.TTR == time.Minute
	})
	cmd(enc.AppendRelease(out, 1, 20, 0), KindRelease, "RELEASED", nil)
	cmd(enc.AppendPeekReady(out), KindPeekReady, "FOUND", id(1))
	cmd(enc.AppendPeekDelayed(out), KindPeekDelayed, "FOUND", func(r Reply) bool { return r.ID == 2 && r.Body != nil && len(r.Body) == 0 })
	cmd(enc.AppendReserveJob(out, 1), KindReserveJob, "RESERVED", id(1))
	cmd(enc.AppendBury(out, 1, 30), KindBury, "BURIED", nil)
	cmd(enc.AppendPeekBuried(out), KindPeekBuried, "FOUND", id(1))
	cmd(enc.AppendKick(out, 10), KindKick, "KICKED", count(1))
	cmd(enc.AppendKickJob(out, 2), KindKickJob, "KICKED", nil)
	cmd(enc.AppendKickJob(out, 2), KindKickJob, ErrNotFound.Error(), nil)
	cmd(enc.AppendPeek(out, 999), KindPeek, ErrNotFound.Error(), nil)
	cmd(enc.AppendDelete(out, 2), KindDelete, "DELETED", nil)
	cmd(enc.AppendDelete(out, 2), KindDelete, ErrNotFound.Error(), nil)
	cmd(add(enc.AppendStatsTube(out, "t1")), KindStatsTube, "OK", func(r Reply) bool {
		s, err := ParseTubeStats(r.Body)
		return err == nil && s.Name == "t1" && s.TotalJobs == 2 && s.CurrentJobsReady == 1
	})
	cmd(add(enc.AppendStatsTube(out, "nope")), KindStatsTube, ErrNotFound.Error(), nil)
	cmd(enc.AppendStats(out), KindStats, "OK", func(r Reply) bool {
		s, err := ParseServerStats(r.Body)
		return err == nil && s.CmdPut == 3 && s.TotalJobs == 2 && s.MaxJobSize == 16 && s.Version != ""
	})
	cmd(enc.AppendListTubes(out), KindListTubes, "OK", func(r Reply) bool {
		l, err := ParseTubeList(r.Body)
		return err == nil && reflect.DeepEqual(l, []string{"default", "t1"})
	})
	cmd(enc.AppendListTubeUsed(out), KindListTubeUsed, "USING", func(r Reply) bool { return r.Tube == "t1" })
	cmd(enc.AppendListTubesWatched(out), KindListTubesWatched, "OK", func(r Reply) bool {
		l, err := ParseTubeList(r.Body)
		return err == nil && reflect.DeepEqual(l, []string{"t1"})
	})
	cmd(add(enc.AppendPauseTube(out, "t1", 0)), KindPauseTube, "PAUSED", nil)
	cmd(add(enc.AppendPauseTube(out, "nope", 1)), KindPauseTube, ErrNotFound.Error(), nil)
	cmd(enc.AppendReserveWithTimeout(out, 0), KindReserveWithTimeout, "RESERVED", id(1))
	cmd(enc.AppendDelete(out, 1), KindDelete, "DELETED", nil)
	cmd(enc.AppendReserveWithTimeout(out, 0), KindReserveWithTimeout, ErrTimedOut.Error(), nil)
	out = enc.AppendQuit(out)

	if _, err := conn.Write(out); err != nil {
		t.Fatal(err)
	}
	var dec Decoder
	buf := make([]byte, 37) // small reads split replies at odd places
	for i := 0; i < len(steps); {
		r, err := dec.Next(steps[i].kind)
		if err == ErrNeedMore {
			n, rerr := conn.Read(buf)
			dec.Feed(buf[:n])
			if rerr == io.EOF {
				dec.FeedEOF()
			} else if rerr != nil {
				t.Fatal(rerr)
			}
			continue
		}
		s := steps[i]
		got := r.Type.String()
		var re *ReplyError
		if errors.As(err, &re) {
			got = re.Err.Error()
		} else if err != nil {
			t.Fatalf("step %d (%s): %v", i, s.kind, err)
		}
		if got != s.want || (s.check != nil && !s.check(r)) {
			t.Fatalf("step %d (%s): got %s %+v %q, want %s", i, s.kind, got, r, r.Body, s.want)
		}
		i++
	}
	// quit: the server closes the connection.
	for {
		_, err := dec.Next(KindDelete)
		if err == io.EOF {
			break
		}
		if err != ErrNeedMore {
			t.Fatalf("after quit: %v", err)
		}
		n, rerr := conn.Read(buf)
		dec.Feed(buf[:n])
		if rerr == io.EOF {
			dec.FeedEOF()
		} else if rerr != nil {
			t.Fatal(rerr)
		}
	}
}
