// Command recovery brings a stack whose `pulumi up` was interrupted (a CI
// cancel, a timeout, a closed laptop) back to a state the next plain `up`
// converges from: `make recover STACK=<stack>` (README, "An interrupted
// up"). It removes the lock a killed CLI left, once no Pulumi process of the
// stack is running; it adopts into the state what Azure created for the
// creates that were in flight (ARM finishes a PUT it accepted, and
// azure-native refuses to create what exists); and it refreshes the stack,
// which settles the other pending operations. It deletes nothing.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

func main() {
	stack := flag.String("stack", "", "the stack to recover")
	force := flag.Bool("force", false, "remove a lock taken on another machine, once you know that run has ended")
	flag.Parse()
	if *stack == "" {
		fmt.Fprintln(os.Stderr, "usage: make recover STACK=<stack> [FORCE=1]")
		os.Exit(2)
	}
	host, _ := os.Hostname()
	pulumi := os.Getenv("PULUMI")
	if pulumi == "" {
		pulumi = "pulumi"
	}
	r := &recoverer{pulumi: pulumi, stack: *stack, force: *force, host: host, running: pulumiRunning, out: os.Stdout}
	if err := r.run(); err != nil {
		fmt.Fprintf(os.Stderr, "recover %s: %v\n", *stack, err)
		os.Exit(1)
	}
}

type recoverer struct {
	pulumi, stack, host string
	force               bool
	running             process
	out                 io.Writer
}

func (r *recoverer) say(format string, args ...any) {
	fmt.Fprintf(r.out, format+"\n", args...)
}

// cli runs the Pulumi CLI on the stack and returns its output.
func (r *recoverer) cli(args ...string) (string, error) {
	var buf bytes.Buffer
	cmd := exec.Command(r.pulumi, append(args, "--stack", r.stack, "--non-interactive")...)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.String(), err
}

func (r *recoverer) export() (*stackState, error) {
	cmd := exec.Command(r.pulumi, "stack", "export", "--stack", r.stack)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("pulumi stack export: %v: %s", err, stderr.String())
	}
	return parseExport(data)
}

func (r *recoverer) run() error {
	before, err := r.export()
	if err != nil {
		return err
	}
	// Every id first, so nothing changes unless all can be adopted.
	var imports []string
	ids := map[string]string{}
	var unknown []string
	if len(before.Pending) == 0 {
		r.say("No operation was in flight when the last run stopped.")
	} else {
		r.say("In flight when the last run stopped:")
	}
	for _, p := range before.Pending {
		r.say("  %s %s", p.Op, p.URN)
		if p.Op != "creating" {
			continue // the refresh reads these back
		}
		id, err := resourceID(p, before.subscription())
		if err != nil {
			unknown = append(unknown, err.Error())
			continue
		}
		ids[p.URN] = id
		imports = append(imports, "--import-pending-creates", p.URN, "--import-pending-creates", id)
	}
	if len(unknown) > 0 {
		return fmt.Errorf("cannot tell the id of every create in flight, so nothing was changed:\n  %s\n"+
			"Find each one's id in Azure; if it exists, adopt it with `pulumi refresh --stack %s --import-pending-creates <urn> --import-pending-creates <id>`, "+
			"if not, drop it with `pulumi refresh --stack %s --clear-pending-creates`", strings.Join(unknown, "\n  "), r.stack, r.stack)
	}

	refresh := append([]string{"refresh", "--yes", "--skip-preview"}, imports...)
	out, err := r.cli(refresh...)
	if locks := parseLocks(out); err != nil && len(locks) > 0 {
		if err := staleLocks(locks, r.host, r.running, r.force); err != nil {
			return fmt.Errorf("the stack is locked and was left as it is:\n%w", err)
		}
		if cout, err := r.cli("cancel", "--yes"); err != nil {
			return fmt.Errorf("pulumi cancel: %v\n%s", err, cout)
		}
		for _, l := range locks {
			r.say("Removed the lock of pulumi pid %d (%s@%s, since %s): that run has ended.", l.PID, l.User, l.Host, l.Time)
		}
		out, err = r.cli(refresh...)
	}
	if err != nil {
		return fmt.Errorf("pulumi refresh failed:\n%s", out)
	}

	after, err := r.export()
	if err != nil {
		return err
	}
	for _, p := range before.Pending {
		switch got, in := after.IDs[p.URN]; {
		case p.Op != "creating":
			r.say("Read back %s (it was %s).", p.URN, p.Op)
		case in && got != "":
			r.say("Adopted %s: Azure had created %s.", p.URN, ids[p.URN])
		default:
			r.say("Not in Azure: %s; its create never reached Azure, the next up creates it.", p.URN)
		}
	}
	if len(after.Pending) > 0 {
		var left []string
		for _, p := range after.Pending {
			left = append(left, p.Op+" "+p.URN)
		}
		return errors.New("operations still pending after the refresh:\n  " + strings.Join(left, "\n  "))
	}
	r.say("Stack %s is consistent with Azure. `pulumi preview --stack %s` shows what the next up does; `make deploy STACK=%s` runs it.", r.stack, r.stack, r.stack)
	return nil
}
