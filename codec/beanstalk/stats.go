package beanstalk

import (
	"math"
	"strconv"
	"time"
)

// JobState is the state of a job as reported by stats-job.
type JobState string

// The job states of beanstalkd 1.12.
const (
	StateReady    JobState = "ready"
	StateReserved JobState = "reserved"
	StateDelayed  JobState = "delayed"
	StateBuried   JobState = "buried"
)

// JobStats is the reply to stats-job. Times are whole seconds on the wire.
// A key the server does not send leaves its field zero.
type JobStats struct {
	ID       uint64        // id
	Tube     string        // tube
	State    JobState      // state
	Pri      uint32        // pri
	Age      time.Duration // age: since the put that created the job
	Delay    time.Duration // delay
	TTR      time.Duration // ttr: time to run
	TimeLeft time.Duration // time-left: until the job is (re)released; meaningful if reserved or delayed
	File     uint64        // file: earliest binlog file holding the job; 0 without a binlog
	Reserves uint64        // reserves
	Timeouts uint64        // timeouts
	Releases uint64        // releases
	Buries   uint64        // buries
	Kicks    uint64        // kicks

	// Raw holds every key and raw value sent, the unknown ones included.
	Raw map[string]string
}

// TubeStats is the reply to stats-tube. A key the server does not send
// leaves its field zero.
type TubeStats struct {
	Name                string        // name
	CurrentJobsUrgent   uint64        // current-jobs-urgent: ready jobs with pri < 1024
	CurrentJobsReady    uint64        // current-jobs-ready
	CurrentJobsReserved uint64        // current-jobs-reserved
	CurrentJobsDelayed  uint64        // current-jobs-delayed
	CurrentJobsBuried   uint64        // current-jobs-buried
	TotalJobs           uint64        // total-jobs
	CurrentUsing        uint64        // current-using
	CurrentWatching     uint64        // current-watching
	CurrentWaiting      uint64        // current-waiting
	CmdDelete           uint64        // cmd-delete
	CmdPauseTube        uint64        // cmd-pause-tube
	Pause               time.Duration // pause: how long the tube was paused for
	PauseTimeLeft       time.Duration // pause-time-left

	// Raw holds every key and raw value sent, the unknown ones included.
	Raw map[string]string
}

// ServerStats is the reply to stats. A key the server does not send leaves
// its field zero.
type ServerStats struct {
	CurrentJobsUrgent     uint64        // current-jobs-urgent
	CurrentJobsReady      uint64        // current-jobs-ready
	CurrentJobsReserved   uint64        // current-jobs-reserved
	CurrentJobsDelayed    uint64        // current-jobs-delayed
	CurrentJobsBuried     uint64        // current-jobs-buried
	CmdPut                uint64        // cmd-put
	CmdPeek               uint64        // cmd-peek
	CmdPeekReady          uint64        // cmd-peek-ready
	CmdPeekDelayed        uint64        // cmd-peek-delayed
	CmdPeekBuried         uint64        // cmd-peek-buried
	CmdReserve            uint64        // cmd-reserve
	CmdReserveWithTimeout uint64        // cmd-reserve-with-timeout
	CmdDelete             uint64        // cmd-delete
	CmdRelease            uint64        // cmd-release
	CmdUse                uint64        // cmd-use
	CmdWatch              uint64        // cmd-watch
	CmdIgnore             uint64        // cmd-ignore
	CmdBury               uint64        // cmd-bury
	CmdKick               uint64        // cmd-kick
	CmdTouch              uint64        // cmd-touch
	CmdStats              uint64        // cmd-stats
	CmdStatsJob           uint64        // cmd-stats-job
	CmdStatsTube          uint64        // cmd-stats-tube
	CmdListTubes          uint64        // cmd-list-tubes
	CmdListTubeUsed       uint64        // cmd-list-tube-used
	CmdListTubesWatched   uint64        // cmd-list-tubes-watched
	CmdPauseTube          uint64        // cmd-pause-tube
	JobTimeouts           uint64        // job-timeouts
	TotalJobs             uint64        // total-jobs
	MaxJobSize            uint64        // max-job-size
	CurrentTubes          uint64        // current-tubes
	CurrentConnections    uint64        // current-connections
	CurrentProducers      uint64        // current-producers
	CurrentWorkers        uint64        // current-workers
	CurrentWaiting        uint64        // current-waiting
	TotalConnections      uint64        // total-connections
	PID                   uint64        // pid
	Version               string        // version, unquoted
	RusageUtime           time.Duration // rusage-utime, to the microsecond
	RusageStime           time.Duration // rusage-stime, to the microsecond
	Uptime                time.Duration // uptime
	BinlogOldestIndex     uint64        // binlog-oldest-index
	BinlogCurrentIndex    uint64        // binlog-current-index
	BinlogRecordsMigrated uint64        // binlog-records-migrated
	BinlogRecordsWritten  uint64        // binlog-records-written
	BinlogMaxSize         uint64        // binlog-max-size
	Draining              bool          // draining
	ID                    string        // id: random id of this server process
	Hostname              string        // hostname
	OS                    string        // os
	Platform              string        // platform

	// Raw holds every key and raw value sent, the unknown ones included.
	Raw map[string]string
}

// ParseJobStats parses the data of the OK reply to stats-job. Malformed
// YAML, or a known key with a value of the wrong type, gives a [*YAMLError].
func ParseJobStats(data []byte) (JobStats, error) {
	var s JobStats
	raw, err := parseStats(data, func(k, v string) bool {
		switch k {
		case "id":
			return setUint(&s.ID, v)
		case "tube":
			s.Tube = v
		case "state":
			s.State = JobState(v)
		case "pri":
			return setUint32(&s.Pri, v)
		case "age":
			return setSeconds(&s.Age, v)
		case "delay":
			return setSeconds(&s.Delay, v)
		case "ttr":
			return setSeconds(&s.TTR, v)
		case "time-left":
			return setSeconds(&s.TimeLeft, v)
		case "file":
			return setUint(&s.File, v)
		case "reserves":
			return setUint(&s.Reserves, v)
		case "timeouts":
			return setUint(&s.Timeouts, v)
		case "releases":
			return setUint(&s.Releases, v)
		case "buries":
			return setUint(&s.Buries, v)
		case "kicks":
			return setUint(&s.Kicks, v)
		}
		return true
	})
	if err != nil {
		return JobStats{}, err
	}
	s.Raw = raw
	return s, nil
}

// ParseTubeStats parses the data of the OK reply to stats-tube. Malformed
// YAML, or a known key with a value of the wrong type, gives a [*YAMLError].
func ParseTubeStats(data []byte) (TubeStats, error) {
	var s TubeStats
	raw, err := parseStats(data, func(k, v string) bool {
		switch k {
		case "name":
			s.Name = v
		case "current-jobs-urgent":
			return setUint(&s.CurrentJobsUrgent, v)
		case "current-jobs-ready":
			return setUint(&s.CurrentJobsReady, v)
		case "current-jobs-reserved":
			return setUint(&s.CurrentJobsReserved, v)
		case "current-jobs-delayed":
			return setUint(&s.CurrentJobsDelayed, v)
		case "current-jobs-buried":
			return setUint(&s.CurrentJobsBuried, v)
		case "total-jobs":
			return setUint(&s.TotalJobs, v)
		case "current-using":
			return setUint(&s.CurrentUsing, v)
		case "current-watching":
			return setUint(&s.CurrentWatching, v)
		case "current-waiting":
			return setUint(&s.CurrentWaiting, v)
		case "cmd-delete":
			return setUint(&s.CmdDelete, v)
		case "cmd-pause-tube":
			return setUint(&s.CmdPauseTube, v)
		case "pause":
			return setSeconds(&s.Pause, v)
		case "pause-time-left":
			return setSeconds(&s.PauseTimeLeft, v)
		}
		return true
	})
	if err != nil {
		return TubeStats{}, err
	}
	s.Raw = raw
	return s, nil
}

// ParseServerStats parses the data of the OK reply to stats. Malformed
// YAML, or a known key with a value of the wrong type, gives a [*YAMLError].
func ParseServerStats(data []byte) (ServerStats, error) {
	var s ServerStats
	uints := map[string]*uint64{
		"current-jobs-urgent":      &s.CurrentJobsUrgent,
		"current-jobs-ready":       &s.CurrentJobsReady,
		"current-jobs-reserved":    &s.CurrentJobsReserved,
		"current-jobs-delayed":     &s.CurrentJobsDelayed,
		"current-jobs-buried":      &s.CurrentJobsBuried,
		"cmd-put":                  &s.CmdPut,
		"cmd-peek":                 &s.CmdPeek,
		"cmd-peek-ready":           &s.CmdPeekReady,
		"cmd-peek-delayed":         &s.CmdPeekDelayed,
		"cmd-peek-buried":          &s.CmdPeekBuried,
		"cmd-reserve":              &s.CmdReserve,
		"cmd-reserve-with-timeout": &s.CmdReserveWithTimeout,
		"cmd-delete":               &s.CmdDelete,
		"cmd-release":              &s.CmdRelease,
		"cmd-use":                  &s.CmdUse,
		"cmd-watch":                &s.CmdWatch,
		"cmd-ignore":               &s.CmdIgnore,
		"cmd-bury":                 &s.CmdBury,
		"cmd-kick":                 &s.CmdKick,
		"cmd-touch":                &s.CmdTouch,
		"cmd-stats":                &s.CmdStats,
		"cmd-stats-job":            &s.CmdStatsJob,
		"cmd-stats-tube":           &s.CmdStatsTube,
		"cmd-list-tubes":           &s.CmdListTubes,
		"cmd-list-tube-used":       &s.CmdListTubeUsed,
		"cmd-list-tubes-watched":   &s.CmdListTubesWatched,
		"cmd-pause-tube":           &s.CmdPauseTube,
		"job-timeouts":             &s.JobTimeouts,
		"total-jobs":               &s.TotalJobs,
		"max-job-size":             &s.MaxJobSize,
		"current-tubes":            &s.CurrentTubes,
		"current-connections":      &s.CurrentConnections,
		"current-producers":        &s.CurrentProducers,
		"current-workers":          &s.CurrentWorkers,
		"current-waiting":          &s.CurrentWaiting,
		"total-connections":        &s.TotalConnections,
		"pid":                      &s.PID,
		"binlog-oldest-index":      &s.BinlogOldestIndex,
		"binlog-current-index":     &s.BinlogCurrentIndex,
		"binlog-records-migrated":  &s.BinlogRecordsMigrated,
		"binlog-records-written":   &s.BinlogRecordsWritten,
		"binlog-max-size":          &s.BinlogMaxSize,
	}
	raw, err := parseStats(data, func(k, v string) bool {
		if p, ok := uints[k]; ok {
			return setUint(p, v)
		}
		switch k {
		case "version":
			s.Version = v
		case "rusage-utime":
			return setSeconds(&s.RusageUtime, v)
		case "rusage-stime":
			return setSeconds(&s.RusageStime, v)
		case "uptime":
			return setSeconds(&s.Uptime, v)
		case "draining":
			switch v {
			case "true":
				s.Draining = true
			case "false":
				s.Draining = false
			default:
				return false
			}
		case "id":
			s.ID = v
		case "hostname":
			s.Hostname = v
		case "os":
			s.OS = v
		case "platform":
			s.Platform = v
		}
		return true
	})
	if err != nil {
		return ServerStats{}, err
	}
	s.Raw = raw
	return s, nil
}

// parseStats parses a YAML dictionary and hands each pair to set, which
// reports false for a value of the wrong type.
func parseStats(data []byte, set func(k, v string) bool) (map[string]string, error) {
	kvs, err := parseYAMLMap(data)
	if err != nil {
		return nil, err
	}
	for _, kv := range kvs {
		if !set(kv.key, kv.val) {
			return nil, &YAMLError{Line: kv.line, Key: kv.key, Reason: "bad value " + quoteValue(kv.val)}
		}
	}
	return kvMap(kvs), nil
}

func quoteValue(v string) string {
	if len(v) > 32 {
		return strconv.Quote(v[:32]) + "..."
	}
	return strconv.Quote(v)
}

func setUint(p *uint64, v string) bool {
	n, ok := parseUint([]byte(v))
	*p = n
	return ok
}

func setUint32(p *uint32, v string) bool {
	n, ok := parseUint([]byte(v))
	if n > math.MaxUint32 {
		return false
	}
	*p = uint32(n)
	return ok
}

// setSeconds parses a count of seconds, with an optional minus sign and an
// optional fraction of up to nine digits, such as "59" or "0.002651".
func setSeconds(p *time.Duration, v string) bool {
	neg := false
	if len(v) > 0 && v[0] == '-' {
		neg, v = true, v[1:]
	}
	whole, frac, hasFrac := cutByte(v, '.')
	if hasFrac && (frac == "" || len(frac) > 9) {
		return false
	}
	sec, ok := parseUint([]byte(whole))
	if !ok || sec > math.MaxInt64/uint64(time.Second)-1 {
		return false
	}
	d := time.Duration(sec) * time.Second
	if hasFrac {
		f, ok := parseUint([]byte(frac))
		if !ok {
			return false
		}
		for i := len(frac); i < 9; i++ {
			f *= 10
		}
		d += time.Duration(f)
	}
	if neg {
		d = -d
	}
	*p = d
	return true
}

func cutByte(s string, c byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
