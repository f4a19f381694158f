package resp_test

import (
	"errors"
	"fmt"

	"github.com/eddy-go/eddy/codec/resp"
)

// A driver feeds whatever the socket delivered and takes every complete
// reply; here the second reply arrives in two reads.
func ExampleDecoder() {
	d := resp.NewDecoder()
	for _, read := range []string{
		"+OK\r\n*2\r\n$3\r\nfoo\r\n",
		"$-1\r\n>3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n",
	} {
		d.Feed([]byte(read))
		for {
			v, err := d.Next()
			if err == resp.ErrNeedMore {
				break
			}
			if err != nil {
				fmt.Println("drop the connection:", err)
				return
			}
			if v.IsPush() {
				fmt.Println("push:", v)
				continue
			}
			fmt.Println("reply:", v)
		}
	}
	// Output:
	// reply: "OK"
	// reply: ["foo", nil]
	// push: >["message", "news", "hello"]
}

// Decode parses a value from a buffer the caller owns and says how many
// bytes it used.
func ExampleDecoder_Decode() {
	var d resp.Decoder
	buf := []byte(":1000\r\n%1\r\n+proto\r\n:3\r\n")
	for len(buf) > 0 {
		v, n, err := d.Decode(buf)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(v, n)
		buf = buf[n:]
	}
	// Output:
	// 1000 7
	// {"proto": 3} 16
}

func ExampleCommand() {
	key := []byte("session:42")
	var buf []byte
	buf = resp.NewCommand(buf).Str("SET").Bytes(key).Str("data").Str("EX").Int(3600).Finish()
	fmt.Printf("%q\n", buf)
	// Output:
	// "*5\r\n$3\r\nSET\r\n$10\r\nsession:42\r\n$4\r\ndata\r\n$2\r\nEX\r\n$4\r\n3600\r\n"
}

// Appending several commands to one buffer pipelines them.
func ExampleAppendCommand() {
	buf := resp.AppendCommand(nil, "GET", "a")
	buf = resp.AppendCommand(buf, "INCR", "n")
	fmt.Printf("%q\n", buf)
	// Output:
	// "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n"
}

// AppendValue writes any RESP3 value, as a server (or a test) needs.
func ExampleAppendValue() {
	v := resp.MapOf(
		resp.SimpleString("server"), resp.BulkString("eddy"),
		resp.SimpleString("proto"), resp.Integer(3),
	).WithAttrs(resp.SimpleString("ttl"), resp.Double(1.5))
	fmt.Printf("%q\n", resp.AppendValue(nil, v))
	// Output:
	// "|1\r\n+ttl\r\n,1.5\r\n%2\r\n+server\r\n$4\r\neddy\r\n+proto\r\n:3\r\n"
}

// An error reply is a value; its accessors return it as a *RedisError.
func ExampleValue_Err() {
	var d resp.Decoder
	v, _, _ := d.Decode([]byte("-MOVED 3999 127.0.0.1:6381\r\n"))
	_, err := v.Str()
	var re *resp.RedisError
	if errors.As(err, &re) {
		slot, addr, _ := re.Moved()
		fmt.Println(re.Code, slot, addr)
	}
	// Output:
	// MOVED 3999 127.0.0.1:6381
}

// Attributes arrive before a reply and are attached to it.
func ExampleValue_Attrs() {
	var d resp.Decoder
	v, _, _ := d.Decode([]byte("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2039123\r\n"))
	fmt.Println(v.Elems(), v.Attrs())
	// Output:
	// [2039123] ["key-popularity" {"a": 0.19}]
}

// PushKind classifies RESP3 pushes and RESP2 pub/sub arrays alike.
func ExampleValue_PushKind() {
	d := resp.NewDecoder()
	d.Feed([]byte(">2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nkey\r\n*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"))
	for {
		v, err := d.Next()
		if err != nil {
			break
		}
		fmt.Printf("push=%v kind=%s\n", v.IsPush(), v.PushKind())
	}
	// Output:
	// push=true kind=invalidate
	// push=false kind=message
}
