package httpclientbench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// body is the static file served.
const body = "Hello, World!"

// serverCPU is the CPU nginx is pinned to.
const serverCPU = 1

const nginxConf = `worker_processes 1;
daemon off;
master_process off;
pid {{dir}}/nginx.pid;
error_log stderr error;
events {
    worker_connections 8192;
}
worker_rlimit_nofile 16384;
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
    client_body_temp_path {{dir}}/body;
    proxy_temp_path {{dir}}/proxy;
    fastcgi_temp_path {{dir}}/fastcgi;
    uwsgi_temp_path {{dir}}/uwsgi;
    scgi_temp_path {{dir}}/scgi;
    server_tokens off;
    default_type text/plain;
    server {
        listen {{addr}} backlog=4096;
        root {{dir}}/www;
    }
}
`

// nginx is a running nginx.
type nginx struct {
	url string
	cmd *exec.Cmd
	dir string
}

// startNginx runs nginx on a free loopback port, serving body as
// /hello.txt, and waits until it answers.
func startNginx() (*nginx, error) {
	bin := "/usr/sbin/nginx"
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("nginx"); err != nil {
			return nil, ErrNoNginx
		}
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	dir, err := os.MkdirTemp("", "httpclientbench")
	if err != nil {
		return nil, err
	}
	n := &nginx{url: "http://" + addr + "/hello.txt", dir: dir}
	if err := os.MkdirAll(filepath.Join(dir, "www"), 0o755); err != nil {
		n.stop()
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "www", "hello.txt"), []byte(body), 0o644); err != nil {
		n.stop()
		return nil, err
	}
	conf := strings.NewReplacer("{{dir}}", dir, "{{addr}}", addr).Replace(nginxConf)
	name := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(name, []byte(conf), 0o644); err != nil {
		n.stop()
		return nil, err
	}
	args := []string{bin, "-p", dir + "/", "-c", name, "-e", "stderr"}
	if _, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() > serverCPU {
		args = append([]string{"taskset", "-c", strconv.Itoa(serverCPU)}, args...)
	}
	n.cmd = exec.Command(args[0], args[1:]...)
	n.cmd.Stderr = os.Stderr
	if err := n.cmd.Start(); err != nil {
		n.stop()
		return nil, err
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: time.Second}
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := c.Get(n.url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && string(b) == body {
				return n, nil
			}
			err = fmt.Errorf("%w: %d %q", ErrBadResponse, resp.StatusCode, b)
		}
		if time.Now().After(deadline) {
			n.stop()
			return nil, fmt.Errorf("httpclientbench: nginx did not start: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (n *nginx) stop() {
	if n.cmd != nil && n.cmd.Process != nil {
		n.cmd.Process.Kill()
		n.cmd.Wait()
	}
	os.RemoveAll(n.dir)
}
