//go:build !linux

package main

import "errors"

var errNoAffinity = errors.New("bench: CPU pinning needs Linux")

func allowedCPUs() ([]int, error) { return nil, errNoAffinity }

func pinProcess(cpus ...int) error { return errNoAffinity }
