// Command probe is a pod's process in the node agent's tests: it reports
// what it sees (arguments, variables, files, its uid, whether it can write
// to its root) and ends as told.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	fmt.Println("args:", strings.Join(os.Args[1:], " "))
	fmt.Println("uid:", os.Getuid(), "gid:", os.Getgid())
	for _, name := range strings.Fields(os.Getenv("PROBE_PRINT")) {
		fmt.Printf("env %s=%s\n", name, os.Getenv(name))
	}
	if f := os.Getenv("PROBE_READ"); f != "" {
		b, err := os.ReadFile(f)
		fmt.Printf("read %s: %d bytes, err=%v\n", f, len(b), err)
	}
	if err := os.WriteFile("/probe-was-here", nil, 0o644); err == nil {
		fmt.Println("root: writable")
	} else {
		fmt.Println("root: read-only")
	}
	if m := os.Getenv("PROBE_MESSAGE"); m != "" {
		os.WriteFile("/dev/termination-log", []byte(m), 0)
	}
	if s := os.Getenv("PROBE_SLEEP"); s != "" {
		d, _ := time.ParseDuration(s)
		time.Sleep(d)
	}
	if e := os.Getenv("PROBE_STDERR"); e != "" {
		fmt.Fprintln(os.Stderr, e)
	}
	code, _ := strconv.Atoi(os.Getenv("PROBE_EXIT"))
	os.Exit(code)
}
