package httpbench

import (
	"os"
	"path/filepath"
)

// Scenario is one workload.
type Scenario struct {
	// Name identifies the workload in the report.
	Name string
	// Path is the request target.
	Path string
	// Conns is the number of connections.
	Conns int
	// Pipeline is the number of requests sent together on a connection
	// before reading the responses; 1 means no pipelining.
	Pipeline int
}

// Scenarios lists the workloads, in the order they run.
var Scenarios = []Scenario{
	{Name: "plaintext-50c", Path: plaintextPath, Conns: 50, Pipeline: 1},
	{Name: "plaintext-500c", Path: plaintextPath, Conns: 500, Pipeline: 1},
	{Name: "plaintext-pipeline16-50c", Path: plaintextPath, Conns: 50, Pipeline: 16},
	{Name: "json-50c", Path: jsonPath, Conns: 50, Pipeline: 1},
	{Name: "static-1MiB-50c", Path: staticPath, Conns: 50, Pipeline: 1},
}

// supports reports whether impl takes part in sc, and if not, why.
func supports(impl string, sc Scenario) (bool, string) {
	if sc.Path == staticPath {
		if why, ok := noStatic[impl]; ok {
			return false, why
		}
	}
	return true, ""
}

// pipelineLua makes wrk send depth requests (the first script argument,
// 16 by default) in one write, for each of its request cycles.
const pipelineLua = `
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil)
  end
  req = table.concat(r)
end
request = function()
  return req
end
`

// staticContent returns the bytes of the static file: a repeating
// pattern, so that a check can tell a misplaced byte.
func staticContent() []byte {
	b := make([]byte, staticSize)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// writeFixtures writes, under dir, the static file (dir/static/1MiB.bin)
// and the wrk pipelining script (dir/pipeline.lua), and returns the
// script's name.
func writeFixtures(dir string) (string, error) {
	if err := os.MkdirAll(filepath.Join(dir, "static"), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "static", staticName), staticContent(), 0o644); err != nil {
		return "", err
	}
	script := filepath.Join(dir, "pipeline.lua")
	return script, os.WriteFile(script, []byte(pipelineLua), 0o644)
}
