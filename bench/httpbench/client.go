package httpbench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// request returns the bytes of one GET of path on addr.
func request(addr, path string) []byte {
	return []byte("GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")
}

// checkScenario sends sc.Pipeline requests for sc.Path in one write on a
// fresh connection and checks every response: status 200 and the
// expected body. Errors wrap ErrBadResponse.
func checkScenario(addr string, sc Scenario) error {
	c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	depth := max(1, sc.Pipeline)
	if _, err := c.Write(bytes.Repeat(request(addr, sc.Path), depth)); err != nil {
		return err
	}
	want := staticContent()
	br := bufio.NewReader(c)
	for i := range depth {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return fmt.Errorf("%w: response %d of %d: %v", ErrBadResponse, i+1, depth, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("%w: body %d: %v", ErrBadResponse, i+1, err)
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%w: status %d", ErrBadResponse, resp.StatusCode)
		}
		switch sc.Path {
		case plaintextPath:
			if !bytes.Equal(body, hello) {
				return fmt.Errorf("%w: body %q", ErrBadResponse, body)
			}
		case jsonPath:
			var v struct{ Message string }
			if err := json.Unmarshal(body, &v); err != nil || v.Message != jsonValue.Message {
				return fmt.Errorf("%w: JSON %q: %v", ErrBadResponse, body, err)
			}
		case staticPath:
			if !bytes.Equal(body, want) {
				return fmt.Errorf("%w: file of %d bytes, want %d", ErrBadResponse, len(body), len(want))
			}
		}
	}
	return nil
}

// loadGo is the short mode's load: conns connections, each sending
// sc.Pipeline requests at a time and reading their responses, for dur.
// It returns the number of responses read.
func loadGo(addr string, sc Scenario, conns int, dur time.Duration) (int64, error) {
	deadline := time.Now().Add(dur)
	batch := bytes.Repeat(request(addr, sc.Path), max(1, sc.Pipeline))
	var (
		mu    sync.Mutex
		total int64
		first error
		wg    sync.WaitGroup
	)
	for range conns {
		wg.Go(func() {
			n, err := loadConn(addr, batch, max(1, sc.Pipeline), deadline)
			mu.Lock()
			total += n
			if err != nil && first == nil {
				first = err
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return total, first
}

// loadConn sends batch (depth requests) and reads depth responses, over
// and over on one connection until deadline.
func loadConn(addr string, batch []byte, depth int, deadline time.Time) (int64, error) {
	c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(deadline.Add(10 * time.Second))
	br := bufio.NewReaderSize(c, 64<<10)
	var n int64
	for time.Now().Before(deadline) {
		if _, err := c.Write(batch); err != nil {
			return n, err
		}
		for range depth {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				return n, fmt.Errorf("%w: %v", ErrBadResponse, err)
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				return n, fmt.Errorf("%w: %v", ErrBadResponse, err)
			}
			if resp.StatusCode != http.StatusOK {
				return n, fmt.Errorf("%w: status %d", ErrBadResponse, resp.StatusCode)
			}
			n++
		}
	}
	return n, nil
}
