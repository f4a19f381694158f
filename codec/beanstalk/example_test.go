package beanstalk_test

import (
	"errors"
	"fmt"

	"github.com/eddy-go/eddy/codec/beanstalk"
)

// A driver pipelines commands: it encodes several into one write, keeps
// their kinds in a FIFO, and decodes the replies in order as bytes arrive.
func Example() {
	var enc beanstalk.Encoder
	var queue []beanstalk.Kind

	out, _ := enc.AppendUse(nil, "emails")
	queue = append(queue, beanstalk.KindUse)
	out, _ = enc.AppendPut(out, 1024, 0, 60, []byte("hello\r\nworld"))
	queue = append(queue, beanstalk.KindPut)
	out = enc.AppendReserveWithTimeout(out, 0)
	queue = append(queue, beanstalk.KindReserveWithTimeout)
	out = enc.AppendDelete(out, 99)
	queue = append(queue, beanstalk.KindDelete)
	fmt.Printf("sent %q\n", out)

	// The server's answer, arriving in two pieces.
	var dec beanstalk.Decoder
	for _, chunk := range []string{
		"USING emails\r\nINSERTED 1\r\nRESERVED 1 12\r\nhello",
		"\r\nworld\r\nNOT_FOUND\r\n",
	} {
		dec.Feed([]byte(chunk))
		for len(queue) > 0 {
			rep, err := dec.Next(queue[0])
			if errors.Is(err, beanstalk.ErrNeedMore) {
				break
			}
			if errors.Is(err, beanstalk.ErrProtocol) {
				fmt.Println("drop the connection:", err)
				return
			}
			queue = queue[1:]
			switch {
			case errors.Is(err, beanstalk.ErrNotFound):
				fmt.Println("not found")
			case err != nil:
				fmt.Println("failed:", err)
			case rep.Type == beanstalk.ReplyUsing:
				fmt.Println("using", rep.Tube)
			case rep.Type == beanstalk.ReplyInserted:
				fmt.Println("inserted job", rep.ID)
			case rep.Type == beanstalk.ReplyReserved:
				// rep.Body is only valid until the next Decoder call.
				fmt.Printf("job %d: %q\n", rep.ID, rep.Body)
			}
		}
	}
	// Output:
	// sent "use emails\r\nput 1024 0 60 12\r\nhello\r\nworld\r\nreserve-with-timeout 0\r\ndelete 99\r\n"
	// using emails
	// inserted job 1
	// job 1: "hello\r\nworld"
	// not found
}

func ExampleEncoder_AppendPut() {
	enc := beanstalk.Encoder{MaxJobSize: 8}
	buf, err := enc.AppendPut(nil, 0, 5, 120, []byte("resize"))
	fmt.Printf("%q %v\n", buf, err)
	_, err = enc.AppendPut(nil, 0, 0, 120, []byte("too large!"))
	fmt.Println(errors.Is(err, beanstalk.ErrJobTooBig), err)
	// Output:
	// "put 0 5 120 6\r\nresize\r\n" <nil>
	// true beanstalk: put: bad body: 10 bytes exceeds max job size 8
}

func ExampleValidateTubeName() {
	for _, name := range []string{"emails", "-tmp", "a b"} {
		fmt.Println(name, beanstalk.ValidateTubeName(name))
	}
	// Output:
	// emails <nil>
	// -tmp beanstalk: bad tube: starts with a hyphen
	// a b beanstalk: bad tube: character ' ' not allowed
}

func ExampleDecoder_Next() {
	var dec beanstalk.Decoder
	dec.Feed([]byte("BURIED 7\r\nTIMED_OUT\r\nFOUND 1 nope\r\n"))

	// put: BURIED <id> means the job exists but was buried.
	_, err := dec.Next(beanstalk.KindPut)
	var re *beanstalk.ReplyError
	if errors.As(err, &re) && errors.Is(err, beanstalk.ErrBuried) {
		fmt.Println("buried job", re.ID)
	}
	_, err = dec.Next(beanstalk.KindReserveWithTimeout)
	fmt.Println(errors.Is(err, beanstalk.ErrTimedOut))
	_, err = dec.Next(beanstalk.KindPeek)
	fmt.Println(errors.Is(err, beanstalk.ErrProtocol), err)
	// Output:
	// buried job 7
	// true
	// true beanstalk: protocol error in reply to peek ("FOUND 1 nope"): malformed reply
}

func ExampleParseServerStats() {
	data := []byte("---\ncurrent-jobs-ready: 3\nversion: \"1.12\"\nrusage-utime: 0.002651\n" +
		"uptime: 90\ndraining: false\nos: #1 SMP\n")
	s, err := beanstalk.ParseServerStats(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.CurrentJobsReady, s.Version, s.RusageUtime, s.Uptime, s.Draining, s.OS)
	// Output:
	// 3 1.12 2.651ms 1m30s false #1 SMP
}

func ExampleParseTubeList() {
	names, err := beanstalk.ParseTubeList([]byte("---\n- default\n- emails\n"))
	fmt.Println(names, err)
	// Output:
	// [default emails] <nil>
}
