package redis

import (
	"bytes"
	"math"
	"strings"
)

// SlotCount is the number of hash slots of a Redis Cluster.
const SlotCount = 16384

// crcTable is the table of CRC-16/XMODEM (polynomial 0x1021, initial value
// 0), the checksum Redis Cluster hashes keys with.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

func crc16(b []byte) uint16 {
	var c uint16
	for _, x := range b {
		c = c<<8 ^ crcTable[byte(c>>8)^x]
	}
	return c
}

// hashTag returns the part of key that is hashed: the text between the
// first '{' and the first '}' after it, if that is not empty, else all of
// key.
func hashTag(key []byte) []byte {
	i := bytes.IndexByte(key, '{')
	if i < 0 {
		return key
	}
	j := bytes.IndexByte(key[i+1:], '}')
	if j <= 0 {
		return key
	}
	return key[i+1 : i+1+j]
}

// Slot returns the hash slot of key in a Redis Cluster (0 to 16383), as
// the server computes it: CRC16 of the key, or of its hash tag, modulo
// 16384. Keys with the same hash tag ("{user1}:name", "{user1}:mail") are
// in the same slot.
func Slot(key string) int { return slotOf([]byte(key)) }

func slotOf(key []byte) int { return int(crc16(hashTag(key)) & (SlotCount - 1)) }

// splitCommand returns the arguments of an encoded command: a RESP array
// of bulk strings, as resp.Command and appendArgs produce. The slices
// alias b.
func splitCommand(b []byte) ([][]byte, bool) {
	n, b, ok := header(b, '*')
	if !ok || n <= 0 || n > len(b)/4 {
		return nil, false
	}
	args := make([][]byte, n)
	for i := range args {
		var l int
		if l, b, ok = header(b, '$'); !ok || l < 0 || l+2 > len(b) || b[l] != '\r' || b[l+1] != '\n' {
			return nil, false
		}
		args[i], b = b[:l:l], b[l+2:]
	}
	return args, len(b) == 0
}

// header reads "<prefix><digits>\r\n" and returns the number and the
// rest. Leading zeros are refused: the encoder never writes them.
func header(b []byte, prefix byte) (int, []byte, bool) {
	if len(b) < 4 || b[0] != prefix {
		return 0, nil, false
	}
	n, i := 0, 1
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if n > (math.MaxInt-9)/10 {
			return 0, nil, false
		}
		n = n*10 + int(b[i]-'0')
	}
	if i == 1 || i > 2 && b[1] == '0' || i+1 >= len(b) || b[i] != '\r' || b[i+1] != '\n' {
		return 0, nil, false
	}
	return n, b[i+2:], true
}

// keySpec says where a command's keys are: from argument first to last
// (negative: counted from the end, -1 the last argument), every step.
type keySpec struct{ first, last, step int }

// keySpecs covers the commands whose keys are not just the first argument.
// Commands not listed take their first argument as their key, which is
// harmless for commands without keys: any node answers them.
var keySpecs = map[string]keySpec{
	"del": {1, -1, 1}, "unlink": {1, -1, 1}, "exists": {1, -1, 1}, "touch": {1, -1, 1},
	"mget": {1, -1, 1}, "mset": {1, -1, 2}, "msetnx": {1, -1, 2},
	"rename": {1, 2, 1}, "renamenx": {1, 2, 1}, "copy": {1, 2, 1},
	"smove": {1, 2, 1}, "rpoplpush": {1, 2, 1}, "lmove": {1, 2, 1}, "blmove": {1, 2, 1},
	"brpoplpush": {1, 2, 1}, "sdiff": {1, -1, 1}, "sinter": {1, -1, 1},
	"sunion": {1, -1, 1}, "sdiffstore": {1, -1, 1}, "sinterstore": {1, -1, 1},
	"sunionstore": {1, -1, 1}, "pfcount": {1, -1, 1}, "pfmerge": {1, -1, 1},
	"blpop": {1, -2, 1}, "brpop": {1, -2, 1}, "bzpopmin": {1, -2, 1}, "bzpopmax": {1, -2, 1},
	"watch": {1, -1, 1}, "bitop": {2, -1, 1}, "geosearchstore": {1, 2, 1},
	"zrangestore": {1, 2, 1}, "xgroup": {2, 2, 1}, "xinfo": {2, 2, 1}, "object": {2, 2, 1},
	"memory": {2, 2, 1}, "lcs": {1, 2, 1}, "pfdebug": {2, 2, 1}, "ping": {}, "info": {}, "publish": {},
	"echo": {}, "time": {}, "dbsize": {}, "flushall": {}, "flushdb": {}, "hello": {},
	"auth": {}, "cluster": {}, "command": {}, "config": {}, "client": {}, "script": {},
	"function": {}, "asking": {}, "readonly": {}, "readwrite": {}, "randomkey": {},
	"scan": {}, "wait": {}, "debug": {}, "slowlog": {}, "latency": {},
	"acl": {}, "lastsave": {}, "role": {}, "multi": {}, "exec": {}, "discard": {},
	"unwatch": {}, "quit": {}, "reset": {}, "subscribe": {}, "psubscribe": {},
	"unsubscribe": {}, "punsubscribe": {}, "pubsub": {},
}

// numKeys are the commands that give their key count: keys follow the
// count, at argument at+1.
var numKeys = map[string]int{
	"eval": 2, "evalsha": 2, "eval_ro": 2, "evalsha_ro": 2, "fcall": 2, "fcall_ro": 2,
	"zunion": 1, "zinter": 1, "zdiff": 1, "sintercard": 1, "zintercard": 1,
	"lmpop": 1, "zmpop": 1, "blmpop": 2, "bzmpop": 2,
}

// commandKeys returns the keys of a command given as its arguments.
func commandKeys(args [][]byte) [][]byte {
	if len(args) < 2 {
		return nil
	}
	name := strings.ToLower(string(args[0]))
	if at, ok := numKeys[name]; ok && at < len(args) {
		n, ok := count(args[at])
		if !ok || n > len(args)-at-1 {
			return nil
		}
		return args[at+1 : at+1+n]
	}
	switch name {
	case "xread", "xreadgroup":
		for i := 1; i < len(args); i++ {
			if strings.EqualFold(string(args[i]), "STREAMS") {
				rest := args[i+1:]
				return rest[:len(rest)/2]
			}
		}
		return nil
	case "sort":
		return sortKeys(args)
	case "georadius":
		return storeKeys(args, 6)
	case "georadiusbymember":
		return storeKeys(args, 5)
	case "migrate":
		return migrateKeys(args)
	case "zunionstore", "zinterstore", "zdiffstore":
		keys := [][]byte{args[1]}
		if len(args) > 2 {
			if n, ok := count(args[2]); ok && n <= len(args)-3 {
				keys = append(keys, args[3:3+n]...)
			}
		}
		return keys
	}
	sp, ok := keySpecs[name]
	if !ok {
		return args[1:2]
	}
	if sp.step == 0 {
		return nil
	}
	last := sp.last
	if last < 0 {
		last += len(args)
	}
	var keys [][]byte
	for i := sp.first; i <= last && i < len(args); i += sp.step {
		keys = append(keys, args[i])
	}
	return keys
}

// sortKeys returns the keys of SORT: the sorted key and the STORE
// destination. It skips the arguments of LIMIT, GET and BY as the server
// does, so that a pattern spelled "store" is not taken for the keyword;
// the last STORE counts.
func sortKeys(args [][]byte) [][]byte {
	keys := args[1:2]
	for i := 2; i < len(args); i++ {
		switch a := string(args[i]); {
		case strings.EqualFold(a, "limit"):
			i += 2
		case strings.EqualFold(a, "get"), strings.EqualFold(a, "by"):
			i++
		case strings.EqualFold(a, "store") && i+1 < len(args):
			keys = [][]byte{args[1], args[i+1]}
			i++
		}
	}
	return keys
}

// storeKeys returns the keys of GEORADIUS and GEORADIUSBYMEMBER: the
// source and the key after the first STORE and the first STOREDIST at or
// after argument from, as the server's key specs find them.
func storeKeys(args [][]byte, from int) [][]byte {
	keys := args[1:2]
	var store, dist bool
	for i := from; i+1 < len(args); i++ {
		switch a := string(args[i]); {
		case !store && strings.EqualFold(a, "store"):
			store = true
		case !dist && strings.EqualFold(a, "storedist"):
			dist = true
		default:
			continue
		}
		keys = append(keys[:len(keys):len(keys)], args[i+1])
		i++
	}
	return keys
}

// migrateKeys returns the keys of MIGRATE host port key|"" db timeout
// [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS key...]: the keys after
// KEYS if it is there, else the third argument.
func migrateKeys(args [][]byte) [][]byte {
	for i := 6; i < len(args); i++ {
		switch a := string(args[i]); {
		case strings.EqualFold(a, "auth"):
			i++
		case strings.EqualFold(a, "auth2"):
			i += 2
		case strings.EqualFold(a, "keys"):
			return args[i+1:]
		}
	}
	if len(args) > 3 {
		return args[3:4]
	}
	return nil
}

// count parses a small non-negative decimal argument (a key count).
func count(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
