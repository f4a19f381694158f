package httpserver_test

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

func TestStdServeMux(t *testing.T) {
	leakcheck.Check(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Name", r.PathValue("name"))
		fmt.Fprintf(w, "hello %s", r.PathValue("name"))
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		for i := range 5 {
			fmt.Fprintf(w, "line %d\n", i)
			w.(http.Flusher).Flush()
		}
		io.WriteString(w, strings.Repeat("z", 1<<20))
	})
	mux.HandleFunc("POST /sum", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
	})
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(mux)}, 2)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}

	resp, err := c.Get("http://" + addr + "/hello/eddy")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello eddy" || resp.Header.Get("X-Name") != "eddy" {
		t.Fatalf("%q %v", b, resp.Header)
	}

	resp, err = c.Get("http://" + addr + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	first, _ := br.ReadString('\n')
	rest, _ := io.ReadAll(br)
	resp.Body.Close()
	if first != "line 0\n" || len(rest) != 4*len("line 1\n")+1<<20 || len(resp.TransferEncoding) == 0 {
		t.Fatalf("stream: %q + %d bytes, %v", first, len(rest), resp.TransferEncoding)
	}

	body := strings.Repeat("0123456789", 300000) // 3 MB, past the bridge buffers
	resp, err = c.Post("http://"+addr+"/sum", "application/octet-stream", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	want := fmt.Sprintf("%d %x", len(body), sha256.Sum256([]byte(body)))
	if string(b) != want {
		t.Fatalf("sum %q want %q", b, want)
	}

	resp, err = c.Get("http://" + addr + "/missing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
