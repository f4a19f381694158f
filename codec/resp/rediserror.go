package resp

import (
	"strconv"
	"strings"
)

// RedisError is an error reply sent by the server (a simple error "-..."
// or a bulk error "!..."). Value.Err returns one. It is a value, not a
// broken connection: the next reply is still valid. A RedisError does not
// change once made and is safe for concurrent use.
type RedisError struct {
	// Code is the upper-case first word of the message, such as "ERR",
	// "WRONGTYPE", "MOVED", "ASK", "NOSCRIPT", "NOAUTH", "LOADING",
	// "BUSY" or "READONLY", or "" when the message does not start with
	// one.
	Code string
	// Msg is the whole message as sent, code included.
	Msg string
}

// NewRedisError returns the RedisError for the message msg (the text of an
// error reply, without "-" or CRLF), with Code parsed.
func NewRedisError(msg string) *RedisError {
	code, _, _ := strings.Cut(msg, " ")
	if !isErrorCode(code) {
		code = ""
	}
	return &RedisError{Code: code, Msg: msg}
}

// isErrorCode reports whether w looks like an error code: upper-case ASCII
// letters, digits, '_' or '-', starting with a letter.
func isErrorCode(w string) bool {
	if w == "" || w[0] < 'A' || w[0] > 'Z' {
		return false
	}
	for i := 1; i < len(w); i++ {
		c := w[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Error returns the message as the server sent it.
func (e *RedisError) Error() string { return e.Msg }

// Moved parses a cluster redirection "MOVED <slot> <host:port>". ok is
// false for any other error.
func (e *RedisError) Moved() (slot int, addr string, ok bool) {
	return e.redirect("MOVED")
}

// Ask parses a cluster redirection "ASK <slot> <host:port>". ok is false
// for any other error.
func (e *RedisError) Ask() (slot int, addr string, ok bool) {
	return e.redirect("ASK")
}

func (e *RedisError) redirect(code string) (int, string, bool) {
	if e.Code != code {
		return 0, "", false
	}
	f := strings.Fields(e.Msg)
	if len(f) != 3 {
		return 0, "", false
	}
	slot, err := strconv.Atoi(f[1])
	if err != nil || slot < 0 || slot > 16383 {
		return 0, "", false
	}
	return slot, f[2], true
}
