package testenv

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Beanstalkd starts `beanstalkd -l 127.0.0.1 -p P` for the test, with
// -z for [MaxJobSize] and any [Args]. Without a binlog jobs live in
// memory; Args("-b", dir) gives one, so that jobs survive a Restart
// (beanstalkd 1.12 refuses, on replay, a job within 2 bytes of -z and
// drops the records after it, so keep -z 2 above the largest job). It
// returns once the server answers a stats command.
func Beanstalkd(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := newOptions(opts)
	if o.password != "" || o.tls != nil || o.replicas != 0 {
		t.Fatalf("testenv: Password, TLS and Replicas apply to Redis, not Beanstalkd")
	}
	return launch(t, spec{
		name:       "beanstalkd",
		debPackage: "beanstalkd",
		opts:       o,
		args: func(port int, dir string) []string {
			args := []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port)}
			if o.maxJobSize > 0 {
				args = append(args, "-z", strconv.Itoa(o.maxJobSize))
			}
			return append(args, o.args...)
		},
		probe: beanstalkdReady,
	})
}

// beanstalkdReady checks that the server answers "stats" with "OK <n>",
// and that its pid is pid, not that of another server on the port.
func beanstalkdReady(s *Server, pid int) error {
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("stats\r\n")); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(line, "OK "), "\r\n"))
	if !strings.HasPrefix(line, "OK ") || err != nil || n < 0 || n > 1<<20 {
		return fmt.Errorf("stats answered %q", line)
	}
	body := make([]byte, n+2)
	if _, err := io.ReadFull(r, body); err != nil {
		return err
	}
	if !strings.Contains(string(body), "\npid: "+strconv.Itoa(pid)+"\n") {
		return fmt.Errorf("another process answers on %s (want pid: %d)", s.Addr, pid)
	}
	return nil
}
