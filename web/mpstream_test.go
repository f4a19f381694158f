package web_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// pipeUpload streams a multipart body of a field and a file of n bytes
// to the server through a pipe, so that the client writes as the server
// reads, and returns the response.
func pipeUpload(t *testing.T, cl *http.Client, url string, file []byte) (int, string) {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("title", "upload")
		fw, _ := mw.CreateFormFile("data", "data.bin")
		for off := 0; off < len(file); off += 32 << 10 {
			if _, err := fw.Write(file[off:min(off+32<<10, len(file))]); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		mw.Close()
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", url, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func testFile(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>9)
	}
	// Things that look like delimiters.
	copy(b[1000:], "\r\n--")
	copy(b[70000:], "\r\n--\r\n")
	return b
}

// StreamMultipart hands a 3 MiB upload over piece by piece; a handler
// that pauses at every piece and resumes later (as a disk write would)
// still gets every byte, in order, and never holds the whole body.
func TestStreamMultipartBackpressure(t *testing.T) {
	leakcheck.Check(t)
	file := testFile(3 << 20)
	rt := web.New()
	rt.Post("/stream", func(c *web.Ctx) {
		h := sha256.New()
		var log bytes.Buffer
		var mr *web.MultipartReader
		pieces, maxPiece := 0, 0
		mr = c.StreamMultipart(web.MultipartOptions{MaxBytes: 8 << 20}, web.MultipartStream{
			Part: func(p *web.Part) error {
				fmt.Fprintf(&log, "part %s %q;", p.FormName, p.FileName)
				return nil
			},
			Data: func(p *web.Part, b []byte) error {
				if p.FileName == "" {
					log.Write(b)
					return nil
				}
				h.Write(b)
				pieces++
				maxPiece = max(maxPiece, len(b))
				switch pieces % 8 {
				case 0:
					mr.Pause()
					c.R.Loop().AfterFunc(time.Millisecond, mr.Resume)
				case 3:
					mr.Pause() // and changes its mind at once
					mr.Resume()
				}
				return nil
			},
			PartEnd: func(p *web.Part) error {
				fmt.Fprintf(&log, ";end %d;", p.Size)
				return nil
			},
		}, func(err error) {
			if err != nil {
				c.Error(err)
				return
			}
			c.Text(200, fmt.Sprintf("%s%x %v", log.String(), h.Sum(nil), maxPiece < 1<<20))
		})
	})
	base, cl := serve(t, rt)
	status, body := pipeUpload(t, cl, base+"/stream", file)
	want := fmt.Sprintf("part title \"\";upload;end 6;part data \"data.bin\";;end %d;%x true", len(file), sha256.Sum256(file))
	if status != 200 || body != want {
		t.Fatalf("%d %q\nwant %q", status, body, want)
	}
}

// ReadMultipart spills a large file part to disk as it arrives.
func TestReadMultipartSpillsStreaming(t *testing.T) {
	leakcheck.Check(t)
	tmp := t.TempDir()
	file := testFile(2<<20 + 123)
	rt := web.New()
	rt.Post("/up", func(c *web.Ctx) {
		c.ReadMultipart(web.MultipartOptions{MemoryBytes: 1 << 10, TempDir: tmp}, func(f *web.Form, err error) {
			if err != nil {
				c.Error(err)
				return
			}
			fp := f.Files["data"][0]
			httpserver.Wait(c.W, workRead(c, fp.Path()), func(b []byte, err error) {
				c.Text(200, fmt.Sprintf("%s %d %v %v", f.Values.Get("title"), fp.Size, err, bytes.Equal(b, file)))
			})
		})
	})
	base, cl := serve(t, rt)
	status, body := pipeUpload(t, cl, base+"/up", file)
	if want := fmt.Sprintf("upload %d <nil> true", len(file)); status != 200 || body != want {
		t.Fatalf("%d %q, want %q", status, body, want)
	}
	// Too large for MaxBytes while streaming (no Content-Length).
	rt2 := web.New()
	rt2.Post("/up", func(c *web.Ctx) {
		c.ReadMultipart(web.MultipartOptions{MaxBytes: 1 << 20, MemoryBytes: 1 << 10, TempDir: tmp}, func(f *web.Form, err error) {
			c.Error(err)
		})
	})
	base2, cl2 := serve(t, rt2)
	if status, _ := pipeUpload(t, cl2, base2+"/up", file); status != 413 {
		t.Fatalf("too large: %d", status)
	}
	waitEmpty(t, tmp)
}

// waitEmpty waits for dir to be emptied by the worker pool.
func waitEmpty(t *testing.T, dir string) {
	t.Helper()
	for i := 0; ; i++ {
		ents, _ := os.ReadDir(dir)
		if len(ents) == 0 {
			return
		}
		if i == 500 {
			t.Fatalf("left in temp dir: %v", ents)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
