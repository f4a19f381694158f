package beanstalk

import (
	"bytes"
	"strings"
)

// The data blocks of stats, stats-tube, stats-job, list-tubes and
// list-tubes-watched are YAML, but only a tiny subset of it, which is parsed
// here by hand:
//
//	---
//	key: value
//	- item
//
// The first line is "---". Each later line is a "key: value" pair (for the
// dictionaries) or a "- item" entry (for the lists); blank lines and lines
// starting with "#" are skipped, and a CR before a line's LF is dropped.
// Values are taken verbatim up to the end of the line, except that a value
// in double or single quotes is unquoted: beanstalkd quotes its version
// ("1.12") but writes other strings, such as an os of "#1 SMP", bare.
// Anything else (indentation, flow collections, duplicate keys) is a
// [*YAMLError].

type yamlKV struct {
	key, val string
	line     int
}

// yamlLines calls fn for each content line after the "---" header, with
// its 1-based line number.
func yamlLines(data []byte, fn func(line []byte, n int) error) error {
	n := 0
	header := false
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte{'\n'})
		n++
		line = bytes.TrimSuffix(line, []byte{'\r'})
		line = bytes.TrimRight(line, " \t")
		if !header {
			if string(line) != "---" {
				return &YAMLError{Line: n, Reason: `document does not start with "---"`}
			}
			header = true
			continue
		}
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			return &YAMLError{Line: n, Reason: "indented line (nested data is not supported)"}
		}
		if err := fn(line, n); err != nil {
			return err
		}
	}
	if !header {
		return &YAMLError{Line: 1, Reason: "empty document"}
	}
	return nil
}

func parseYAMLMap(data []byte) ([]yamlKV, error) {
	kvs := make([]yamlKV, 0, bytes.Count(data, []byte{'\n'}))
	seen := make(map[string]struct{}, cap(kvs))
	err := yamlLines(data, func(line []byte, n int) error {
		i := bytes.IndexByte(line, ':')
		if i <= 0 {
			return &YAMLError{Line: n, Reason: `line is not "key: value"`}
		}
		key := line[:i]
		if bytes.HasPrefix(key, []byte("- ")) || string(key) == "-" {
			return &YAMLError{Line: n, Reason: "list item in a dictionary"}
		}
		for _, c := range key {
			if c <= ' ' || c == 0x7f || c == '"' || c == '\'' {
				return &YAMLError{Line: n, Reason: "bad character in key " + quoteByte(c)}
			}
		}
		rest := line[i+1:]
		if len(rest) > 0 && rest[0] != ' ' && rest[0] != '\t' {
			return &YAMLError{Line: n, Reason: `line is not "key: value"`}
		}
		k := string(key)
		val, reason := yamlScalar(bytes.TrimLeft(rest, " \t"))
		if reason != "" {
			return &YAMLError{Line: n, Key: k, Reason: reason}
		}
		if _, dup := seen[k]; dup {
			return &YAMLError{Line: n, Key: k, Reason: "duplicate key"}
		}
		seen[k] = struct{}{}
		kvs = append(kvs, yamlKV{k, val, n})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return kvs, nil
}

// ParseStatsMap parses the YAML dictionary sent with the OK reply to stats,
// stats-tube or stats-job into a map of raw string values. Malformed data
// gives a [*YAMLError]. The typed parsers [ParseServerStats],
// [ParseTubeStats] and [ParseJobStats] keep this map in their Raw field.
func ParseStatsMap(data []byte) (map[string]string, error) {
	kvs, err := parseYAMLMap(data)
	if err != nil {
		return nil, err
	}
	return kvMap(kvs), nil
}

func kvMap(kvs []yamlKV) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.key] = kv.val
	}
	return m
}

// ParseTubeList parses the YAML list sent with the OK reply to list-tubes
// or list-tubes-watched. The result is empty, not nil, for an empty list.
// Malformed data gives a [*YAMLError].
func ParseTubeList(data []byte) ([]string, error) {
	names := make([]string, 0, bytes.Count(data, []byte{'\n'}))
	err := yamlLines(data, func(line []byte, n int) error {
		if line[0] != '-' || (len(line) > 1 && line[1] != ' ' && line[1] != '\t') {
			return &YAMLError{Line: n, Reason: `line is not "- item"`}
		}
		item, reason := yamlScalar(bytes.TrimLeft(line[1:], " \t"))
		if reason == "" && item == "" {
			reason = "empty list item"
		}
		if reason != "" {
			return &YAMLError{Line: n, Reason: reason}
		}
		names = append(names, item)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return names, nil
}

// yamlScalar returns the value of a scalar, unquoting it if it is quoted,
// or a reason it is malformed.
func yamlScalar(v []byte) (string, string) {
	if len(v) == 0 {
		return "", ""
	}
	switch v[0] {
	case '"':
		return unquoteDouble(v)
	case '\'':
		return unquoteSingle(v)
	case '[', '{':
		return "", "flow collections are not supported"
	}
	return string(v), ""
}

func unquoteDouble(v []byte) (string, string) {
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch c {
		case '"':
			if i != len(v)-1 {
				return "", "text after closing quote"
			}
			return b.String(), ""
		case '\\':
			i++
			if i >= len(v) {
				return "", "unterminated escape"
			}
			switch v[i] {
			case '\\', '"', '/':
				b.WriteByte(v[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			default:
				return "", "unsupported escape " + quoteByte(v[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "unterminated double quote"
}

func unquoteSingle(v []byte) (string, string) {
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		if v[i] != '\'' {
			b.WriteByte(v[i])
			continue
		}
		if i+1 < len(v) && v[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		if i != len(v)-1 {
			return "", "text after closing quote"
		}
		return b.String(), ""
	}
	return "", "unterminated single quote"
}
