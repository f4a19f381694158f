package web_test

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

func multipartBody(t *testing.T, fields map[string]string, files map[string]string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, content := range files {
		fw, err := mw.CreateFormFile("upload", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(content))
	}
	mw.Close()
	return b.String(), mw.FormDataContentType()
}

func TestReadMultipart(t *testing.T) {
	leakcheck.Check(t)
	tmp := t.TempDir()
	spilled := make(chan string, 4)
	rt := web.New()
	rt.Post("/up", func(c *web.Ctx) {
		c.ReadMultipart(web.MultipartOptions{MaxBytes: 1 << 20, MemoryBytes: 100, MaxParts: 5, TempDir: tmp}, func(f *web.Form, err error) {
			if err != nil {
				c.Error(err)
				return
			}
			var out []string
			out = append(out, "title="+f.Values.Get("title"))
			for _, p := range f.Files["upload"] {
				where := "memory"
				if p.Path() != "" {
					where = "disk"
					b, err := os.ReadFile(p.Path()) // a test shortcut; handlers use the worker pool
					if err != nil || int64(len(b)) != p.Size {
						where = "disk-bad"
					}
					spilled <- p.Path()
				} else if int64(len(p.Bytes())) != p.Size {
					where = "memory-bad"
				}
				out = append(out, fmt.Sprintf("%s:%d:%s", p.Filename, p.Size, where))
			}
			c.Text(200, strings.Join(out, " "))
		})
	})
	base, cl := serve(t, rt)

	body, ctype := multipartBody(t, map[string]string{"title": "hi"}, map[string]string{"big.bin": strings.Repeat("z", 5000)})
	r := do(t, cl, "POST", base+"/up", body, "Content-Type: "+ctype)
	if r.status != 200 || r.body != "title=hi big.bin:5000:disk" {
		t.Fatalf("big: %d %q", r.status, r.body)
	}
	body, ctype = multipartBody(t, nil, map[string]string{"small.txt": "tiny"})
	if r := do(t, cl, "POST", base+"/up", body, "Content-Type: "+ctype); r.body != "title= small.txt:4:memory" {
		t.Errorf("small: %d %q", r.status, r.body)
	}
	// A client's path is reduced to its last element, as mime/multipart
	// does: a handler that joins the name to a directory stays inside it.
	body, ctype = multipartBody(t, nil, map[string]string{"../../evil.txt": "x"})
	if r := do(t, cl, "POST", base+"/up", body, "Content-Type: "+ctype); r.body != "title= evil.txt:1:memory" {
		t.Errorf("path in the file name: %d %q", r.status, r.body)
	}
	// The spilled file is removed once the response has ended.
	p := <-spilled
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(p); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not removed", p)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Limits and errors.
	fields := map[string]string{}
	for i := range 8 {
		fields[fmt.Sprint("f", i)] = "v"
	}
	body, ctype = multipartBody(t, fields, nil)
	if r := do(t, cl, "POST", base+"/up", body, "Content-Type: "+ctype); r.status != 413 {
		t.Errorf("too many parts: %d %q", r.status, r.body)
	}
	if r := do(t, cl, "POST", base+"/up", "x", "Content-Type: text/plain"); r.status != 415 {
		t.Errorf("not multipart: %d", r.status)
	}
	if r := do(t, cl, "POST", base+"/up", "--b\r\nbroken", "Content-Type: multipart/form-data; boundary=b"); r.status != 400 {
		t.Errorf("broken: %d %q", r.status, r.body)
	}
	// A body announced larger than MaxBytes is refused before it is
	// sent (a raw connection, since a client still sending would see a
	// reset).
	resp, _ := raw(t, base, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: "+ctype+"\r\nContent-Length: 2097152\r\n\r\n")
	if resp.StatusCode != 413 {
		t.Errorf("too large: %d", resp.StatusCode)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("left in temp dir: %v", ents)
	}
}

// ReadMultipart's callback is handler code, even when it runs after a
// spill to disk, from a worker-pool completion of web's own: a panic
// there fails the response (500, the connection closed) as one in the
// handler would, is reported once, and the spilled file is removed. It
// used to escape into the loop, and the response went out as an empty
// 200.
func TestReadMultipartCallbackPanics(t *testing.T) {
	leakcheck.Check(t)
	tmp := t.TempDir()
	var panics atomic.Int32
	rt := web.New()
	rt.Post("/up", func(c *web.Ctx) {
		c.ReadMultipart(web.MultipartOptions{MemoryBytes: 100, TempDir: tmp}, func(f *web.Form, err error) {
			if err == nil && f.Files["upload"][0].Path() != "" {
				panic("handler bug")
			}
			c.Text(200, "not spilled")
		})
	})
	base, cl := serveWith(t, rt, eddy.WithLoopOptions(eddy.WithPanicHandler(func(any, []byte) { panics.Add(1) })))
	body, ctype := multipartBody(t, nil, map[string]string{"big.bin": strings.Repeat("z", 300<<10)})
	if r := do(t, cl, "POST", base+"/up", body, "Content-Type: "+ctype); r.status != 500 {
		t.Errorf("panicking callback: %d %q", r.status, r.body)
	}
	waitEmpty(t, tmp)
	if n := panics.Load(); n != 1 {
		t.Errorf("%d panics reported, want 1", n)
	}
}

// A spill that fails (the temporary directory is gone) answers 500 and
// leaves nothing behind; a client that goes away mid-upload, while
// parts are on disk, leaves nothing behind either, and the callback
// hears of it.
func TestReadMultipartSpillFailsOrClientLeaves(t *testing.T) {
	leakcheck.Check(t)
	tmp := t.TempDir()
	gone := make(chan error, 1)
	rt := web.New()
	rt.Post("/nodir", func(c *web.Ctx) {
		c.ReadMultipart(web.MultipartOptions{MemoryBytes: 100, TempDir: tmp + "/missing"}, func(f *web.Form, err error) {
			c.Error(err)
		})
	})
	rt.Post("/up", func(c *web.Ctx) {
		c.ReadMultipart(web.MultipartOptions{MemoryBytes: 100, TempDir: tmp}, func(f *web.Form, err error) {
			gone <- err
			c.Error(err)
		})
	})
	base, cl := serve(t, rt)
	body, ctype := multipartBody(t, nil, map[string]string{"big.bin": strings.Repeat("z", 300<<10)})
	if r := do(t, cl, "POST", base+"/nodir", body, "Content-Type: "+ctype); r.status != 500 {
		t.Errorf("spill fails: %d %q", r.status, r.body)
	}

	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", ctype, len(body), body[:200<<10])
	// Wait for a spill file, then leave.
	for i := 0; ; i++ {
		if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
			break
		}
		if i == 500 {
			t.Fatal("nothing spilled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.Close()
	if err := <-gone; err == nil {
		t.Error("callback got a form from a client that left")
	}
	waitEmpty(t, tmp)
}

// A multipart body without a usable boundary is a malformed request
// (400, ErrMultipart), not one of an unsupported media type (415):
// multipart/form-data is supported, the request just cannot be parsed.
func TestReadMultipartBadBoundary(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Post("/up", func(c *web.Ctx) {
		c.ReadMultipart(web.MultipartOptions{}, func(f *web.Form, err error) {
			if !errors.Is(err, web.ErrMultipart) {
				c.Text(200, fmt.Sprintf("not ErrMultipart: %v", err))
				return
			}
			c.Error(err)
		})
	})
	base, cl := serve(t, rt)
	body := "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--b--\r\n"
	for _, ct := range []string{
		"multipart/form-data",
		"multipart/form-data; boundary=",
		"multipart/form-data; boundary=" + strings.Repeat("b", 71),
		"multipart/form-data; boundary=\"b@d\"",
	} {
		if r := do(t, cl, "POST", base+"/up", body, "Content-Type: "+ct); r.status != 400 {
			t.Errorf("%s: %d %q", ct, r.status, r.body)
		}
	}
	if r := do(t, cl, "POST", base+"/up", body, "Content-Type: multipart/form-data; boundary=b"); r.status != 200 || r.body != "not ErrMultipart: <nil>" {
		t.Errorf("good boundary: %d %q", r.status, r.body)
	}
}
