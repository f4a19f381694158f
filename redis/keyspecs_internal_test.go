package redis

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/looptest"
	"github.com/eddy-go/eddy/internal/testenv"
)

// docArg is one argument of a command as COMMAND DOCS describes it.
type docArg struct {
	name, typ, token         string
	optional, multiple, mtok bool
	children                 []docArg
}

// docCmd is a command (or subcommand, "xinfo stream") with its arguments.
type docCmd struct {
	words []string // "XINFO", "STREAM"
	args  []docArg
}

// The client's key extraction agrees with the server's, for every command
// the server has that takes keys: the test builds argument lists from
// COMMAND DOCS (required arguments only, and with every optional one, each
// oneof alternative in turn, every repeatable argument once and twice) and
// compares commandKeys with COMMAND GETKEYS; a fixed table adds argument
// lists the docs do not lead to (MIGRATE ... KEYS, SORT ... STORE alone).
// Commands with keys for which the server accepted no argument list are
// logged by name (with Redis 7.0: SPUBLISH, SSUBSCRIBE, SUNSUBSCRIBE, whose
// shard channels GETKEYS does not count as keys). For commands without
// keys, commandKeys must not find more than one: that would be a false
// ErrCrossSlot.
func TestCommandKeysMatchServer(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := looptest.Start(t)
	c, err := Dial(l, srv.Addr, Options{Protocol: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := c.Sync()
	ctx := looptest.Ctx(t, 60*time.Second)
	do := func(args ...any) (resp.Value, error) { return s.Do(ctx, args...) }

	// Which commands have keys, by COMMAND INFO: a first key, movable
	// keys, or key specs.
	info, err := do("COMMAND", "INFO")
	if err != nil {
		t.Fatal(err)
	}
	hasKeys := map[string]bool{}
	var walkInfo func(vs []resp.Value)
	walkInfo = func(vs []resp.Value) {
		for _, e := range vs {
			f := e.Elems()
			if len(f) < 10 {
				continue
			}
			name, _ := f[0].Str()
			first, _ := f[3].Int()
			movable := false
			for _, fl := range f[2].Elems() {
				if s, _ := fl.Str(); s == "movablekeys" {
					movable = true
				}
			}
			if len(f[9].Elems()) > 0 {
				walkInfo(f[9].Elems())
				continue
			}
			if first > 0 || movable || len(f[8].Elems()) > 0 {
				hasKeys[strings.ReplaceAll(name, "|", " ")] = true
			}
		}
	}
	walkInfo(info.Elems())
	if len(hasKeys) < 100 {
		t.Fatalf("COMMAND INFO lists only %d commands with keys", len(hasKeys))
	}

	docs, err := do("COMMAND", "DOCS")
	if err != nil {
		t.Fatal(err)
	}
	cmds := parseDocs(t, nil, docs)

	checked := map[string]bool{}
	var unbuilt []string
	compare := func(name string, argv []string) bool {
		anys := make([]any, len(argv)+2)
		anys[0], anys[1] = "COMMAND", "GETKEYS"
		for i, a := range argv {
			anys[i+2] = a
		}
		v, err := do(anys...)
		if err != nil {
			return false // arguments the server refused
		}
		var want []string
		for _, k := range v.Elems() {
			s, _ := k.Str()
			want = append(want, s)
		}
		args := make([][]byte, len(argv))
		for i, a := range argv {
			args[i] = []byte(a)
		}
		var got []string
		for _, k := range commandKeys(args) {
			got = append(got, string(k))
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: commandKeys(%q) = %q, server says %q", name, argv, got, want)
		}
		return true
	}
	for _, cmd := range cmds {
		name := strings.ToLower(strings.Join(cmd.words, " "))
		if !hasKeys[name] {
			// Without keys, any node may answer; more than one key
			// extracted could only make a false ErrCrossSlot.
			for _, argv := range variants(cmd) {
				args := make([][]byte, len(argv))
				for i, a := range argv {
					args[i] = []byte(a)
				}
				if keys := commandKeys(args); len(keys) > 1 {
					t.Errorf("%s has no keys, but commandKeys(%q) = %q", name, argv, keys)
				}
			}
			continue
		}
		n := 0
		for _, argv := range variants(cmd) {
			if compare(name, argv) {
				n++
			}
		}
		if n > 0 {
			checked[name] = true
		}
	}
	// Argument lists for what the docs do not describe well enough.
	for _, argv := range [][]string{
		{"MIGRATE", "h", "1", "k1", "0", "5"},
		{"MIGRATE", "h", "1", "", "0", "5", "KEYS", "k1", "k2"},
		{"MIGRATE", "h", "1", "", "0", "5", "COPY", "REPLACE", "AUTH", "p", "KEYS", "k1", "k2"},
		{"MIGRATE", "h", "1", "", "0", "5", "AUTH2", "u", "p", "KEYS", "k1"},
		{"SORT", "k1", "BY", "x", "LIMIT", "0", "1", "GET", "#", "ASC", "ALPHA", "STORE", "k2"},
		{"SORT", "k1", "STORE", "k2"},
		{"SORT_RO", "k1", "BY", "x", "GET", "#"},
		{"LCS", "k1", "k2", "IDX", "MINMATCHLEN", "2", "WITHMATCHLEN"},
		{"GEORADIUS", "k1", "1", "2", "3", "m", "STORE", "k2"},
		{"GEORADIUS", "k1", "1", "2", "3", "m", "STOREDIST", "k2"},
		{"GEORADIUS", "k1", "1", "2", "3", "m", "STORE", "k2", "STOREDIST", "k3"},
		{"GEORADIUSBYMEMBER", "k1", "m", "3", "km", "STOREDIST", "k2"},
		{"XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "k1", "k2", "0", "0"},
		{"XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "k1", "0"},
		{"EVAL", "s", "2", "k1", "k2", "a"},
		{"ZUNIONSTORE", "d", "2", "k1", "k2", "WEIGHTS", "1", "2"},
	} {
		name := strings.ToLower(argv[0])
		if !compare(name, argv) {
			t.Errorf("the server refused %q", argv)
			continue
		}
		checked[name] = true
	}
	for name := range hasKeys {
		if !checked[name] {
			unbuilt = append(unbuilt, name)
		}
	}
	sort.Strings(unbuilt)
	t.Logf("checked %d commands with keys; no argument list was accepted for %d: %q",
		len(checked), len(unbuilt), unbuilt)
}

// parseDocs reads the reply of COMMAND DOCS (RESP2: name, doc, name,
// doc...), subcommands included, prefixed by words.
func parseDocs(t *testing.T, words []string, v resp.Value) []docCmd {
	kv, err := v.Map()
	if err != nil {
		t.Fatalf("COMMAND DOCS: %v", err)
	}
	var out []docCmd
	for i := 0; i+1 < len(kv); i += 2 {
		name, _ := kv[i].Str()
		if j := strings.IndexByte(name, '|'); j >= 0 {
			name = name[j+1:]
		}
		w := append(slices.Clone(words), strings.ToUpper(name))
		fields, _ := kv[i+1].Map()
		var cmd docCmd
		sub := false
		for j := 0; j+1 < len(fields); j += 2 {
			switch f, _ := fields[j].Str(); f {
			case "arguments":
				cmd.args = parseArgs(fields[j+1])
			case "subcommands":
				out = append(out, parseDocs(t, w, fields[j+1])...)
				sub = true
			}
		}
		if !sub {
			cmd.words = w
			out = append(out, cmd)
		}
	}
	return out
}

func parseArgs(v resp.Value) []docArg {
	var out []docArg
	for _, e := range v.Elems() {
		fields, _ := e.Map()
		var a docArg
		for j := 0; j+1 < len(fields); j += 2 {
			f, _ := fields[j].Str()
			val := fields[j+1]
			switch f {
			case "name":
				a.name, _ = val.Str()
			case "type":
				a.typ, _ = val.Str()
			case "token":
				a.token, _ = val.Str()
			case "flags":
				for _, fl := range val.Elems() {
					switch s, _ := fl.Str(); s {
					case "optional":
						a.optional = true
					case "multiple":
						a.multiple = true
					case "multiple_token":
						a.mtok = true
					}
				}
			case "arguments":
				a.children = parseArgs(val)
			}
		}
		out = append(out, a)
	}
	return out
}

// genMode says how to fill in the arguments of a command.
type genMode struct {
	optional bool // include every optional argument
	choice   int  // the alternative of each oneof (modulo its size)
	reps     int  // how many times a repeatable argument is given
}

// variants returns argument lists for cmd, distinct, in every genMode.
func variants(cmd docCmd) [][]string {
	width := 1
	var measure func([]docArg)
	measure = func(as []docArg) {
		for _, a := range as {
			if a.typ == "oneof" {
				width = max(width, len(a.children))
			}
			measure(a.children)
		}
	}
	measure(cmd.args)
	seen := map[string]bool{}
	var out [][]string
	for _, opt := range []bool{false, true} {
		for choice := range width {
			for _, reps := range []int{1, 2} {
				g := &gen{mode: genMode{opt, choice, reps}}
				argv := append(slices.Clone(cmd.words), g.args(cmd.args)...)
				if k := strings.Join(argv, "\x00"); !seen[k] {
					seen[k] = true
					out = append(out, argv)
				}
			}
		}
	}
	return out
}

// gen builds one argument list. Keys are k1, k2... so that every key is
// distinct; a "numkeys" argument is set to the number of keys given by the
// argument after it.
type gen struct {
	mode genMode
	keys int
}

func (g *gen) args(as []docArg) []string {
	var out []string
	for i := 0; i < len(as); i++ {
		a := as[i]
		if strings.Contains(a.name, "numkeys") && i+1 < len(as) {
			before := g.keys
			next := g.arg(as[i+1])
			n := g.keys - before
			if a.token != "" {
				out = append(out, a.token)
			}
			out = append(out, fmt.Sprint(n))
			out = append(out, next...)
			i++
			continue
		}
		out = append(out, g.arg(a)...)
	}
	return out
}

func (g *gen) arg(a docArg) []string {
	if a.optional && !g.mode.optional {
		return nil
	}
	reps := 1
	if a.multiple {
		reps = g.mode.reps
	}
	var out []string
	for r := range reps {
		if a.token != "" && (r == 0 || a.mtok) {
			out = append(out, a.token)
		}
		out = append(out, g.value(a)...)
	}
	return out
}

func (g *gen) value(a docArg) []string {
	switch a.typ {
	case "key":
		g.keys++
		return []string{fmt.Sprintf("k%d", g.keys)}
	case "pure-token":
		return nil
	case "block":
		return g.args(a.children)
	case "oneof":
		if len(a.children) == 0 {
			return nil
		}
		ch := a.children[g.mode.choice%len(a.children)]
		ch.optional = false
		return g.arg(ch)
	case "integer", "unix-time", "double":
		return []string{"1"}
	case "pattern":
		return []string{"*"}
	}
	return []string{"v"}
}
