package httpclient

import (
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/codec/http1"
)

func TestToHTTPHeader(t *testing.T) {
	h := http1.Header{
		{Name: []byte("content-type"), Value: []byte("text/plain")},
		{Name: []byte("Set-Cookie"), Value: []byte("a=1")},
		{Name: []byte("X-Empty"), Value: nil},
		{Name: []byte("set-cookie"), Value: []byte("b=2")},
		{Name: []byte("Via"), Value: []byte("1.1 p")},
	}
	got := toHTTPHeader(h)
	want := http.Header{
		"Content-Type": {"text/plain"},
		"Set-Cookie":   {"a=1", "b=2"},
		"X-Empty":      {""},
		"Via":          {"1.1 p"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Appending to one field must not change another.
	got["Content-Type"] = append(got["Content-Type"], "more")
	if got.Get("Set-Cookie") != "a=1" || len(got["X-Empty"]) != 1 || got.Get("Via") != "1.1 p" {
		t.Fatalf("fields share storage: %v", got)
	}
	if len(toHTTPHeader(nil)) != 0 {
		t.Fatal("empty header")
	}
	// A long header: known and unknown names past the first 16 fields,
	// and repeats on both sides of that boundary.
	long := http1.Header{}
	want = http.Header{}
	for i := range 40 {
		name := []string{"set-cookie", "X-Field-" + strconv.Itoa(i%7), "Server", "via"}[i%4]
		long = append(long, http1.Field{Name: []byte(name), Value: []byte(strconv.Itoa(i))})
		want.Add(name, strconv.Itoa(i))
	}
	if got := toHTTPHeader(long); !reflect.DeepEqual(got, want) {
		t.Fatalf("long header: got %v, want %v", got, want)
	}
}

// TestCommonName checks that every name commonName knows maps to the key
// textproto would make, in each spelling it accepts, and that names in
// other spellings or unknown ones fall through to it.
func TestCommonName(t *testing.T) {
	for _, name := range []string{
		"Accept-Ranges", "Age", "Cache-Control", "Connection", "Content-Encoding",
		"Content-Length", "Content-Type", "Date", "Etag", "ETag", "Expires", "Keep-Alive",
		"Last-Modified", "Location", "Server", "Set-Cookie", "Transfer-Encoding", "Vary",
	} {
		for _, spelt := range []string{name, strings.ToLower(name)} {
			key, ok := commonName([]byte(spelt))
			if !ok || key != http.CanonicalHeaderKey(spelt) {
				t.Errorf("commonName(%q) = %q %v, want %q", spelt, key, ok, http.CanonicalHeaderKey(spelt))
			}
		}
	}
	for _, name := range []string{"CONTENT-TYPE", "X-Server", "Dates", ""} {
		if key, ok := commonName([]byte(name)); ok {
			t.Errorf("commonName(%q) = %q, want no match", name, key)
		}
	}
	// Mixed known and unknown names build the same header as textproto.
	h := http1.Header{
		{Name: []byte("ETag"), Value: []byte(`"x"`)},
		{Name: []byte("x-custom"), Value: []byte("1")},
		{Name: []byte("server"), Value: []byte("nginx")},
		{Name: []byte("CONTENT-LENGTH"), Value: []byte("3")},
		{Name: []byte("X-Custom"), Value: []byte("2")},
	}
	want := http.Header{}
	for _, f := range h {
		want.Add(string(f.Name), string(f.Value))
	}
	if got := toHTTPHeader(h); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestPerRequestAllocs bounds the allocations of the client's own steps
// for a plain GET on a pooled connection: encoding the head (none) and
// turning a parsed response head into a Response (the header map, one
// string for its values and one slice of them).
func TestPerRequestAllocs(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:8080/hello.txt")
	c := &Client{DisableCompression: true}
	pc := &pconn{pool: &hostPool{}}
	req := &Request{URL: u}
	tr := &trip{c: c, req: req, pc: pc, sink: &nopSink{}}
	buf := make([]byte, 0, 512)
	if a := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = tr.appendHead(buf[:0], pc.pool); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("request head: %v allocations, want 0", a)
	}
	var p http1.ResponseParser
	p.SetMethod("GET")
	if _, ev, err := p.Parse([]byte(cannedResponse)); err != nil || ev.Kind != http1.EventHead {
		t.Fatalf("canned response: %v %v", ev.Kind, err)
	}
	r := p.Response()
	if a := testing.AllocsPerRun(100, func() { tr.head(r) }); a > 4 {
		t.Errorf("response head: %v allocations, want at most 4", a)
	}
	if tr.resp.Header.Get("Etag") != `"6929b1a0-d"` || tr.resp.ContentLength != 13 {
		t.Fatalf("response %+v", tr.resp)
	}
}
