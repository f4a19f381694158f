package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

func TestServeAnswersAndShutsDown(t *testing.T) {
	leakcheck.Check(t)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- serve(ctx, "127.0.0.1:0", 2, time.Second, &out, ready) }()
	addr := <-ready
	tr := &http.Transport{}
	client := &http.Client{Transport: tr}
	for i := 0; i < 3; i++ { // keep-alive: several requests on one connection
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "loop 1: conns=") {
			t.Fatalf("status %d body %q", resp.StatusCode, body)
		}
	}
	resp, err := client.Post("http://"+addr+"/", "text/plain", strings.NewReader("x"))
	if err == nil {
		if resp.StatusCode != 413 {
			t.Fatalf("POST got %d", resp.StatusCode)
		}
		resp.Body.Close()
	}
	tr.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "serving http://"+addr) {
		t.Fatalf("output %q", out.String())
	}
}

func TestUsage(t *testing.T) {
	var errOut bytes.Buffer
	if err := run([]string{"bogus"}, io.Discard, &errOut, nil); err == nil || !strings.Contains(errOut.String(), "usage") {
		t.Fatalf("err %v, stderr %q", err, errOut.String())
	}
}
