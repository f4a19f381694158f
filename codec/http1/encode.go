package http1

import "unsafe"

// The encoders only append to dst. The ones that validate return dst
// unchanged with an error when their input would produce an invalid or
// ambiguous message (a field value with CR or LF, for instance), so user
// data can never split a message. They do not allocate when dst has room.

// AppendField appends the field line "name: value" CRLF. name must be a
// token and value a valid field-value (RFC 9110 §5.5): visible characters,
// obs-text, SP and HTAB, without leading or trailing whitespace.
func AppendField[T ~string | ~[]byte](dst []byte, name, value T) ([]byte, error) {
	if !validToken(name) {
		return dst, ErrInvalidFieldName
	}
	if !validFieldValue(value) {
		return dst, ErrInvalidFieldValue
	}
	dst = append(dst, name...)
	dst = append(dst, ':', ' ')
	dst = append(dst, value...)
	return append(dst, '\r', '\n'), nil
}

// AppendHeader appends every field of h with [AppendField], then the empty
// line that ends a header or trailer section.
func AppendHeader(dst []byte, h Header) ([]byte, error) {
	orig := len(dst)
	var err error
	for i := range h {
		if dst, err = AppendField(dst, h[i].Name, h[i].Value); err != nil {
			return dst[:orig], err
		}
	}
	return append(dst, '\r', '\n'), nil
}

// AppendStatusLine appends "HTTP/1.1 <status> <reason>" CRLF with the
// registered reason phrase (empty for unregistered codes). status must be
// in 100-599 (RFC 9110 §15).
func AppendStatusLine(dst []byte, status int) ([]byte, error) {
	if status < 100 || status > 599 {
		return dst, ErrInvalidStatus
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = append(dst, byte('0'+status/100), byte('0'+status/10%10), byte('0'+status%10), ' ')
	dst = append(dst, StatusText(status)...)
	return append(dst, '\r', '\n'), nil
}

// AppendResponseHeader appends a complete HTTP/1.1 response head: status
// line, the fields of h and the empty line. The caller puts the framing
// fields (Content-Length or "Transfer-Encoding: chunked"), Date and
// Connection in h; this package adds nothing on its own.
func AppendResponseHeader(dst []byte, status int, h Header) ([]byte, error) {
	orig := len(dst)
	dst, err := AppendStatusLine(dst, status)
	if err != nil {
		return dst, err
	}
	if dst, err = AppendHeader(dst, h); err != nil {
		return dst[:orig], err
	}
	return dst, nil
}

// AppendRequestLine appends "<method> <target> HTTP/1.1" CRLF. method must
// be a token and target a request-target in the form the method allows
// (RFC 9112 §3.2): authority-form exactly for CONNECT, "*" only for
// OPTIONS, otherwise origin-form or absolute-form.
func AppendRequestLine(dst []byte, method, target string) ([]byte, error) {
	if !validToken(method) {
		return dst, ErrInvalidMethod
	}
	if _, err := parseTarget(view(method), view(target)); err != nil {
		return dst, ErrInvalidTarget
	}
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, target...)
	return append(dst, " HTTP/1.1\r\n"...), nil
}

// AppendRequestHeader appends a complete HTTP/1.1 request head: request
// line, the fields of h and the empty line. The caller puts Host (required
// in HTTP/1.1) and the framing fields in h.
func AppendRequestHeader(dst []byte, method, target string, h Header) ([]byte, error) {
	orig := len(dst)
	dst, err := AppendRequestLine(dst, method, target)
	if err != nil {
		return dst, err
	}
	if dst, err = AppendHeader(dst, h); err != nil {
		return dst[:orig], err
	}
	return dst, nil
}

// AppendChunkHeader appends the size line of a chunk of n bytes
// (RFC 9112 §7.1); the caller then sends the n bytes and CRLF. For n <= 0
// it appends nothing: a zero size ends the body, which is AppendLastChunk's
// job.
func AppendChunkHeader(dst []byte, n int) []byte {
	if n <= 0 {
		return dst
	}
	var tmp [16]byte
	i := len(tmp)
	for u := uint64(n); ; u >>= 4 {
		i--
		tmp[i] = "0123456789abcdef"[u&15]
		if u < 16 {
			break
		}
	}
	dst = append(dst, tmp[i:]...)
	return append(dst, '\r', '\n')
}

// AppendChunk appends data as one chunk: size line, data, CRLF. Empty data
// appends nothing, since a zero-size chunk would end the body.
func AppendChunk(dst, data []byte) []byte {
	if len(data) == 0 {
		return dst
	}
	dst = AppendChunkHeader(dst, len(data))
	dst = append(dst, data...)
	return append(dst, '\r', '\n')
}

// AppendLastChunk appends the last chunk, the trailer fields and the empty
// line that end a chunked body. trailers may be nil.
func AppendLastChunk(dst []byte, trailers Header) ([]byte, error) {
	orig := len(dst)
	dst = append(dst, '0', '\r', '\n')
	dst, err := AppendHeader(dst, trailers)
	if err != nil {
		return dst[:orig], err
	}
	return dst, nil
}

// view returns the bytes of s without copying, for read-only use.
func view(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
