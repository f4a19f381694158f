package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Redis starts a redis-server for the test:
//
//	redis-server --bind 127.0.0.1 --port P --save "" --appendonly no
//	    --dir DIR --daemonize no --enable-debug-command local
//
// plus --requirepass for [Password] and any [Args]. Nothing is persisted,
// and DEBUG (for DEBUG SLEEP and the like) is allowed from loopback. It
// returns once the server answers PING.
func Redis(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := newOptions(opts)
	if o.maxJobSize != 0 || o.tls != nil || o.replicas != 0 {
		t.Fatalf("testenv: MaxJobSize applies to Beanstalkd, and TLS and Replicas to RedisCluster (use RedisTLS), not Redis")
	}
	return launch(t, redisSpec(o, nil))
}

// redisSpec describes a redis-server; extra returns more arguments for a
// port and directory (the cluster settings).
func redisSpec(o options, extra func(port int, dir string) []string) spec {
	return spec{
		name:       "redis-server",
		debPackage: "redis-server",
		opts:       o,
		args: func(port int, dir string) []string {
			args := []string{
				"--bind", "127.0.0.1",
				"--port", strconv.Itoa(port),
				"--save", "",
				"--appendonly", "no",
				"--dir", dir,
				"--daemonize", "no",
				"--enable-debug-command", "local",
			}
			if o.password != "" {
				args = append(args, "--requirepass", o.password)
			}
			if extra != nil {
				args = append(args, extra(port, dir)...)
			}
			return append(args, o.args...)
		},
		probe: redisReady,
	}
}

// redisReady checks that the server answers PING, and that it is the
// process pid (INFO's process_id), not some other server that took the
// port. A server that demands authentication the harness lacks (an ACL
// from Args) is taken as up.
func redisReady(s *Server, pid int) error {
	replies, err := redisPipeline(s.Addr, s.Password, []string{"PING"}, []string{"INFO", "server"})
	var re redisError
	if errors.As(err, &re) && strings.HasPrefix(string(re), "NOAUTH") {
		return nil
	}
	if err != nil {
		return err
	}
	if replies[0] != "PONG" {
		return fmt.Errorf("PING answered %q", replies[0])
	}
	if want := "\nprocess_id:" + strconv.Itoa(pid) + "\r\n"; !strings.Contains(replies[1], want) {
		return fmt.Errorf("another process answers on %s (want process_id:%d)", s.Addr, pid)
	}
	return nil
}

// redisError is an error reply ("-ERR ...") from redis.
type redisError string

func (e redisError) Error() string { return "redis: " + string(e) }

// redisDo sends one command on a new connection (after AUTH if password is
// set) and returns its reply: a simple string, an integer as text, or a
// bulk string. Error replies come back as redisError; arrays are not
// supported.
func redisDo(addr, password string, args ...string) (string, error) {
	replies, err := redisPipeline(addr, password, args)
	if err != nil {
		return "", err
	}
	return replies[0], nil
}

// redisPipeline is redisDo for several commands, stopping at the first
// error.
func redisPipeline(addr, password string, cmds ...[]string) ([]string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if password != "" {
		cmds = append([][]string{{"AUTH", password}}, cmds...)
	}
	var out []byte
	for _, cmd := range cmds {
		out = append(out, redisCommand(cmd...)...)
	}
	if _, err := c.Write(out); err != nil {
		return nil, err
	}
	r := bufio.NewReader(c)
	replies := make([]string, 0, len(cmds))
	for range cmds {
		reply, err := readRedisReply(r)
		if err != nil {
			return nil, err
		}
		replies = append(replies, reply)
	}
	if password != "" {
		replies = replies[1:]
	}
	return replies, nil
}

// redisCommand encodes a command as a RESP array of bulk strings.
func redisCommand(args ...string) []byte {
	b := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b
}

// maxBulk bounds the bulk replies the harness reads (INFO, CLUSTER INFO).
const maxBulk = 1 << 20

// readRedisReply reads one non-array RESP reply.
func readRedisReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line, ok := strings.CutSuffix(line, "\r\n")
	if !ok || line == "" {
		return "", fmt.Errorf("bad redis reply line %q", line)
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", redisError(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < -1 || n > maxBulk {
			return "", fmt.Errorf("bad redis bulk length %q", line)
		}
		if n == -1 {
			return "", nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return "", fmt.Errorf("redis bulk string of %d bytes not followed by CRLF", n)
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unsupported redis reply %q", line)
}
