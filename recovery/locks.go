package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// lock is one holder of a stack's lock, as the CLI of a DIY backend (file,
// azblob, s3, gs) names it when it refuses to start: "the stack is
// currently locked by N lock(s) … <url>: created by <user>@<host> (pid
// <pid>) at <time>" (pulumi/pulumi pkg/backend/diy/lock.go, checkForLock).
type lock struct {
	URL, User, Host, Time string
	PID                   int
}

const lockedMessage = "the stack is currently locked by"

var lockLine = regexp.MustCompile(`(?m)^\s*(\S+): created by (.*)@(\S+) \(pid (\d+)\) at (\S+)`)

// parseLocks reads the locks out of a refused command's output; nil when
// the stack was not locked.
func parseLocks(out string) []lock {
	if !strings.Contains(out, lockedMessage) {
		return nil
	}
	var locks []lock
	for _, m := range lockLine.FindAllStringSubmatch(out, -1) {
		pid, _ := strconv.Atoi(m[4])
		locks = append(locks, lock{URL: m[1], User: m[2], Host: m[3], PID: pid, Time: m[5]})
	}
	return locks
}

// process tells whether a process is alive and is a Pulumi CLI; a pid the
// system reused for another program does not count.
type process func(pid int) bool

func pulumiRunning(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return true // alive, and no /proc to say what it runs (macOS)
	}
	return strings.Contains(string(cmdline), "pulumi")
}

// staleLocks returns nil when every lock is stale: its CLI ran on this
// machine and is gone, or force vouches for those of other machines.
// Otherwise it says which holder may still be running.
func staleLocks(locks []lock, host string, running process, force bool) error {
	var live []string
	for _, l := range locks {
		switch {
		case l.Host == host && running(l.PID):
			live = append(live, fmt.Sprintf("pulumi (pid %d, since %s) is still running an operation on this stack: "+
				"let it finish, or stop it (kill -INT %d, as Ctrl-C does), then run this again", l.PID, l.Time, l.PID))
		case l.Host != host && !force:
			live = append(live, fmt.Sprintf("the lock was taken by %s@%s (pid %d) at %s, on another machine, whose processes this cannot see: "+
				"make sure that run has ended (a CI job cancelled or timed out has), then run this again with FORCE=1", l.User, l.Host, l.PID, l.Time))
		}
	}
	if len(live) > 0 {
		return errors.New(strings.Join(live, "\n"))
	}
	return nil
}
