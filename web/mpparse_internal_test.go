package web

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"
)

// mpRun parses chunks in order as a caller would, keeping unconsumed
// bytes, and returns a transcript of the events and whether the body
// completed.
func mpRun(boundary string, chunks [][]byte) (string, error) {
	m := newMPParser(boundary)
	var out strings.Builder
	var buf []byte
	done := false
	for _, ch := range chunks {
		buf = append(buf, ch...)
		used := 0
		for {
			n, ev, data, err := m.parse(buf[used:])
			used += n
			if err != nil {
				return out.String(), err
			}
			if n == 0 && ev == mpNeedMore {
				break
			}
			switch ev {
			case mpPart:
				out.WriteString("[part")
				for k, v := range m.header.All() {
					fmt.Fprintf(&out, " %s=%q", k, v)
				}
				out.WriteString("]")
			case mpData:
				out.Write(data)
			case mpPartEnd:
				out.WriteString("[end]")
			case mpDone:
				out.WriteString("[done]")
				done = true
			}
		}
		buf = append(buf[:0], buf[used:]...)
	}
	if !done {
		return out.String(), errors.New("incomplete")
	}
	return out.String(), nil
}

const mpSample = "preamble\r\n--XyZ\r\n" +
	"Content-Disposition: form-data; name=\"a\"\r\n\r\n" +
	"value a\r\n--XyZ  \r\n" +
	"Content-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\n" +
	"line1\r\n--XyZnot\r\n--Xy\r\n\r\n--XyZ\r\n" +
	"\r\nno header\r\n--XyZ--\r\nepilogue --XyZ"

func TestMPParseSplitEverywhere(t *testing.T) {
	want, err := mpRun("XyZ", [][]byte{[]byte(mpSample)})
	if err != nil {
		t.Fatal(err)
	}
	exp := `[part Content-Disposition="form-data; name=\"a\""]value a[end]` +
		`[part Content-Disposition="form-data; name=\"f\"; filename=\"x.txt\"" Content-Type="text/plain"]line1` + "\r\n--XyZnot\r\n--Xy\r\n" + `[end]` +
		`[part]no header[end][done]`
	if want != exp {
		t.Fatalf("got  %q\nwant %q", want, exp)
	}
	for i := 0; i <= len(mpSample); i++ {
		for j := i; j <= len(mpSample); j += 7 {
			got, err := mpRun("XyZ", [][]byte{[]byte(mpSample[:i]), []byte(mpSample[i:j]), []byte(mpSample[j:])})
			if err != nil || got != want {
				t.Fatalf("split %d,%d: %v\n%q", i, j, err, got)
			}
		}
	}
	// Byte by byte.
	var chunks [][]byte
	for i := range len(mpSample) {
		chunks = append(chunks, []byte{mpSample[i]})
	}
	if got, err := mpRun("XyZ", chunks); err != nil || got != want {
		t.Fatalf("byte by byte: %v %q", err, got)
	}
}

func TestMPParseErrors(t *testing.T) {
	for _, in := range []string{
		"--b\r\nBad Header\r\n\r\nx\r\n--b--",
		"--b\r\n: novalue\r\n\r\nx\r\n--b--",
		"--b\r\nX: a\x01b\r\n\r\nx\r\n--b--",
		"--bjunk\r\n\r\nx\r\n--b--",
		"--b\r\nX: " + strings.Repeat("v", mpMaxHeader) + "\r\n\r\n",
	} {
		_, err := mpRun("b", [][]byte{[]byte(in)})
		if !errors.Is(err, ErrMultipart) {
			t.Errorf("%.40q: %v", in, err)
		}
	}
	if _, err := mpRun("b", [][]byte{[]byte("--b\r\n\r\ncut short")}); err == nil || errors.Is(err, ErrMultipart) {
		t.Errorf("truncated body: %v", err)
	}
}

// The parser agrees with mime/multipart on what its writer produces.
func TestMPParseAgainstStdlib(t *testing.T) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("title", "hello\r\n--world")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="up"; filename="a.bin"`)
	pw, _ := mw.CreatePart(h)
	data := bytes.Repeat([]byte("\r\n-\r\n--"), 5000)
	pw.Write(data)
	mw.Close()
	got, err := mpRun(mw.Boundary(), [][]byte{b.Bytes()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "]hello\r\n--world[end]") || !strings.Contains(got, "]"+string(data)+"[end][done]") {
		t.Fatalf("transcript %.200q", got)
	}
}

// FuzzMultipart checks that the boundary parser never panics, consumes
// within its input, and gives the same result however the input is
// split.
func FuzzMultipart(f *testing.F) {
	f.Add("XyZ", []byte(mpSample), uint16(17))
	f.Add("b", []byte("--b\r\n\r\n\r\n--b--"), uint16(3))
	f.Add("b", []byte("--b \t\r\nA: 1\r\n\r\n\r\n--b\r\n--b--\r\n"), uint16(9))
	f.Add("bb", []byte("\r\n--bb\r\n\r\nx\r\n--b\r\n--bb--"), uint16(1))
	f.Fuzz(func(t *testing.T, boundary string, data []byte, split uint16) {
		if !validBoundary(boundary) {
			return
		}
		whole, werr := mpRun(boundary, [][]byte{data})
		i := int(split) % (len(data) + 1)
		part, perr := mpRun(boundary, [][]byte{data[:i], data[i:]})
		if (werr == nil) != (perr == nil) || (werr == nil && whole != part) {
			t.Fatalf("split at %d: %v %q vs %v %q", i, werr, whole, perr, part)
		}
		if werr != nil && perr != nil && errors.Is(werr, ErrMultipart) != errors.Is(perr, ErrMultipart) {
			t.Fatalf("split at %d: errors differ: %v vs %v", i, werr, perr)
		}
	})
}

// A part without content may omit the empty line after its header
// section (RFC 2046: body-part := MIME-part-headers [CRLF *OCTET]): the
// section's last CRLF is then the delimiter's, and the boundary follows
// it at once. The same holds for a part without header fields. Found by
// TestRequestTorture; mime/multipart reads such bodies so too.
func TestMPParseEmptyPartWithoutBlankLine(t *testing.T) {
	const in = "--b\r\nContent-Disposition: form-data; name=\"e\"\r\n" +
		"\r\n--b\r\n" +
		"\r\n--b\r\n" +
		"Content-Disposition: form-data; name=\"v\"\r\n\r\n--bx\r\n--b--"
	const want = `[part Content-Disposition="form-data; name=\"e\""][end]` +
		`[part][end]` +
		`[part Content-Disposition="form-data; name=\"v\""]--bx[end][done]`
	for i := 0; i <= len(in); i++ {
		got, err := mpRun("b", [][]byte{[]byte(in[:i]), []byte(in[i:])})
		if err != nil || got != want {
			t.Fatalf("split at %d: %v\n got  %q\n want %q", i, err, got, want)
		}
	}
}

// Part header fields may be folded (RFC 5322 §2.2.3, which MIME part
// headers follow, unlike HTTP's own): the continuation lines join the
// field with a space. Found by TestRequestTorture; mime/multipart
// unfolds them too.
func TestMPParseFoldedHeader(t *testing.T) {
	const in = "--b\r\nContent-Disposition: form-data;\r\n name=\"a\";\r\n\t filename=\"x.txt\"\r\nX-Two:\r\n  one \r\n two\r\n\r\nv\r\n--b--"
	const want = `[part Content-Disposition="form-data; name=\"a\"; filename=\"x.txt\"" X-Two="one two"]v[end][done]`
	got, err := mpRun("b", [][]byte{[]byte(in)})
	if err != nil || got != want {
		t.Fatalf("%v\n got  %q\n want %q", err, got, want)
	}
	// A continuation line with no field before it is an error.
	if _, err := mpRun("b", [][]byte{[]byte("--b\r\n folded: x\r\n\r\nv\r\n--b--")}); !errors.Is(err, ErrMultipart) {
		t.Fatalf("leading continuation line: %v", err)
	}
}
