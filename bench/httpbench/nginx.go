package httpbench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// nginxBinary is Debian's nginx.
const nginxBinary = "/usr/sbin/nginx"

// nginxConf is the configuration: one process serving on one CPU, no
// logs, keep-alive connections never closed by request count,
// "Hello, World!" and the JSON from fixed strings, files with sendfile.
// Placeholders: {{dir}} (the temporary prefix), {{addr}}, {{root}}.
const nginxConf = `worker_processes 1;
daemon off;
master_process off;
pid {{dir}}/nginx.pid;
error_log stderr error;
events {
    worker_connections 4096;
    multi_accept on;
}
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
    client_body_temp_path {{dir}}/body;
    proxy_temp_path {{dir}}/proxy;
    fastcgi_temp_path {{dir}}/fastcgi;
    uwsgi_temp_path {{dir}}/uwsgi;
    scgi_temp_path {{dir}}/scgi;
    server_tokens off;
    types { application/octet-stream bin; }
    server {
        listen {{addr}} backlog=4096;
        location = /plaintext {
            default_type text/plain;
            return 200 "Hello, World!";
        }
        location = /json {
            default_type application/json;
            return 200 '{"message":"Hello, World!"}';
        }
        location /static/ {
            root {{root}};
        }
    }
}
`

// nginxCommand writes a configuration for addr and root to a new
// temporary directory and returns the command that runs nginx with it,
// pinned to the server CPU, and the directory.
func nginxCommand(addr, root string) (*exec.Cmd, string, error) {
	if _, err := os.Stat(nginxBinary); err != nil {
		p, lerr := exec.LookPath("nginx")
		if lerr != nil {
			return nil, "", ErrNoNginx
		}
		return nginxCommandWith(p, addr, root)
	}
	return nginxCommandWith(nginxBinary, addr, root)
}

func nginxCommandWith(bin, addr, root string) (*exec.Cmd, string, error) {
	dir, err := os.MkdirTemp("", "httpbench-nginx")
	if err != nil {
		return nil, "", err
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	conf := strings.NewReplacer("{{dir}}", dir, "{{addr}}", addr, "{{root}}", absRoot).Replace(nginxConf)
	name := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(name, []byte(conf), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, "", fmt.Errorf("httpbench: nginx config: %w", err)
	}
	cmd := pinned(context.Background(), serverCPU, bin, "-p", dir, "-c", name, "-e", "stderr")
	return cmd, dir, nil
}
