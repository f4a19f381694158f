package web_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/eddy-go/eddy/web"
)

// Compressing dynamic responses for the clients that accept gzip.
func ExampleGzip() {
	rt := web.New()
	rt.Use(web.Gzip(web.GzipOptions{Level: gzip.BestSpeed}))
	rt.Get("/report", func(c *web.Ctx) {
		c.Text(200, strings.Repeat("all systems nominal\n", 100))
	})
	run(rt, func(base string, get func(string, ...string) *http.Response) {
		resp := get("/report", "Accept-Encoding", "gzip")
		zr, _ := gzip.NewReader(resp.Body)
		plain, _ := io.ReadAll(zr)
		resp.Body.Close()
		fmt.Println(resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"), len(plain))
		resp = get("/report")
		fmt.Printf("%q %d\n", resp.Header.Get("Content-Encoding"), len(body(resp)))
	})
	// Output:
	// gzip Accept-Encoding 2000
	// "" 2000
}

// Streaming an upload part by part: nothing is buffered whole, and the
// handler could pause the reader while it stores a piece.
func ExampleCtx_StreamMultipart() {
	rt := web.New()
	rt.Post("/upload", func(c *web.Ctx) {
		var report strings.Builder
		c.StreamMultipart(web.MultipartOptions{}, web.MultipartStream{
			PartEnd: func(p *web.Part) error {
				fmt.Fprintf(&report, "%s(%s): %d bytes\n", p.FormName, p.FileName, p.Size)
				return nil
			},
		}, func(err error) {
			if err != nil {
				c.Error(err)
				return
			}
			c.Text(200, report.String())
		})
	})
	run(rt, func(base string, _ func(string, ...string) *http.Response) {
		var b strings.Builder
		mw := multipart.NewWriter(&b)
		mw.WriteField("note", "hi")
		fw, _ := mw.CreateFormFile("file", "data.bin")
		fw.Write(make([]byte, 100000))
		mw.Close()
		resp, err := http.Post(base+"/upload", mw.FormDataContentType(), strings.NewReader(b.String()))
		if err != nil {
			panic(err)
		}
		fmt.Print(body(resp))
	})
	// Output:
	// note(): 2 bytes
	// file(data.bin): 100000 bytes
}
