package main

import (
	_ "embed"
	"encoding/json"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
)

//go:embed demo.html
var demoPage string

// demoHandler serves the demo page and the live loop statistics it
// shows, as JSON, at /stats.
type demoHandler struct {
	group *eddy.Group
	start time.Time
}

// loopStats is one loop's line in /stats.
type loopStats struct {
	Loop int `json:"loop"`
	eddy.Stats
}

func (d *demoHandler) ServeHTTP(w *httpserver.ResponseWriter, r *httpserver.Request) {
	switch r.Path {
	case "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteString(demoPage)
	case "/stats":
		out := struct {
			Uptime string      `json:"uptime"`
			Loops  []loopStats `json:"loops"`
		}{Uptime: time.Since(d.start).Round(time.Second).String()}
		for i, l := range d.group.Loops() {
			out.Loops = append(out.Loops, loopStats{i, l.Stats()})
		}
		b, _ := json.Marshal(out)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b)
	default:
		w.WriteHeader(404)
		w.WriteString("not found\n")
	}
}
