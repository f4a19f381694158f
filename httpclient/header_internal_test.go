package httpclient

import (
	"net/http"
	"reflect"
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
}
