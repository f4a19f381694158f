package web_test

import (
	"encoding/base64"
	"sync/atomic"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

func TestBasicAuth(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	var checks atomic.Int32 // the handler runs on the loop
	rt.Use(web.BasicAuth("Staff \"only\" \\ area\r\n", func(c *web.Ctx, user, pass string) bool {
		checks.Add(1)
		return user == "ann" && pass == "s3:cret"
	}))
	rt.Get("/", func(c *web.Ctx) {
		user, pass, ok := c.BasicAuth()
		c.Text(200, "hello "+user+" "+pass+" "+map[bool]string{true: "ok"}[ok])
	})
	base, cl := serve(t, rt)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	const challenge = `Basic realm="Staff \"only\" \\ area", charset="UTF-8"`
	for _, tc := range []struct {
		name, auth string
		status     int
		checked    bool
	}{
		{"ok", "Basic " + b64("ann:s3:cret"), 200, true},
		{"lowercase scheme", "basic " + b64("ann:s3:cret"), 200, true},
		{"upper scheme, two spaces", "BASIC  " + b64("ann:s3:cret"), 200, true},
		{"wrong password", "Basic " + b64("ann:secret"), 401, true},
		{"empty password", "Basic " + b64("ann:"), 401, true},
		{"missing", "", 401, false},
		{"malformed base64", "Basic !!!notbase64", 401, false},
		{"unpadded base64", "Basic " + base64.RawStdEncoding.EncodeToString([]byte("ann:s3:cret")), 401, false},
		{"no colon", "Basic " + b64("ann"), 401, false},
		{"scheme only", "Basic", 401, false},
		{"scheme without space", "Basic" + b64("ann:s3:cret"), 401, false},
		{"other scheme", "Bearer " + b64("ann:s3:cret"), 401, false},
	} {
		checks.Store(0)
		var hdr []string
		if tc.auth != "" {
			hdr = append(hdr, "Authorization: "+tc.auth)
		}
		r := do(t, cl, "GET", base+"/", "", hdr...)
		if r.status != tc.status || (checks.Load() == 1) != tc.checked {
			t.Errorf("%s: %d (check ran %d times), want %d", tc.name, r.status, checks.Load(), tc.status)
		}
		switch tc.status {
		case 200:
			if r.body != "hello ann s3:cret ok" || r.header.Get("WWW-Authenticate") != "" {
				t.Errorf("%s: %q", tc.name, r.body)
			}
		case 401:
			if got := r.header.Get("WWW-Authenticate"); got != challenge || r.body != "401 unauthorized\n" {
				t.Errorf("%s: challenge %s body %q, want %s", tc.name, got, r.body, challenge)
			}
		}
	}
}

func TestBasicAuthNilCheck(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a nil check")
		}
	}()
	web.BasicAuth("x", nil)
}
