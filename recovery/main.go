// Command recovery brings a stack whose `pulumi up` was interrupted (a CI
// cancel, a timeout, a closed laptop) back to a state the next plain `up`
// converges from: `make recover STACK=<stack>` (docs/failures.md, "An interrupted
// up"). It removes the lock a killed CLI left, once no Pulumi process of the
// stack is running; it adopts into the state what Azure created for the
// creates that were in flight (ARM finishes a PUT it accepted, and
// azure-native refuses to create what exists); and it refreshes the stack,
// which settles the other pending operations and drops from the state an
// adopted create that never reached Azure. It deletes nothing in Azure.
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

func (r *recoverer) exportRaw() ([]byte, error) {
	cmd := exec.Command(r.pulumi, "stack", "export", "--stack", r.stack)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("pulumi stack export: %v: %s", err, stderr.String())
	}
	return data, nil
}

func (r *recoverer) export() (*stackState, error) {
	data, err := r.exportRaw()
	if err != nil {
		return nil, err
	}
	return parseExport(data)
}

func (r *recoverer) run() error {
	before, err := r.export()
	if err != nil {
		return err
	}
	// Every id first, so nothing changes unless all can be adopted.
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
		if !p.Custom {
			ids[p.URN] = "" // a component: nothing in Azure, nothing to read
			continue
		}
		id, err := resourceID(p, r.subscription(before))
		if err != nil {
			unknown = append(unknown, err.Error())
			continue
		}
		ids[p.URN] = id
	}
	if len(unknown) > 0 {
		return fmt.Errorf("cannot tell the id of every create in flight, so nothing was changed:\n  %s\n"+
			"Find each one in Azure: if it is there, add it to the state with its id (pulumi stack export, move the operation's resource "+
			"into resources with its id, pulumi stack import), then pulumi refresh; if not, drop it with `pulumi refresh --stack %s --clear-pending-creates`",
			strings.Join(unknown, "\n  "), r.stack)
	}

	if len(ids) > 0 {
		// `pulumi refresh --import-pending-creates` is meant for this, but
		// CLI 3.274 marks the operations "importing" and its refresh then
		// drops them, resources and all (docs/failures.md, "An interrupted up"): the
		// state is edited as that flag means instead.
		if err := r.editState(func(export []byte) ([]byte, error) { return adopt(export, ids) }); err != nil {
			return err
		}
	}
	if out, err := r.unlocked("refresh", "--yes", "--skip-preview"); err != nil {
		return failed("pulumi refresh", out, err)
	}

	after, err := r.export()
	if err != nil {
		return err
	}
	sent := map[string]map[string]any{}
	for _, p := range before.Pending {
		if got := after.IDs[p.URN]; p.Op == "creating" && p.Custom && got != "" {
			sent[p.URN] = p.Inputs
		}
	}
	if len(sent) > 0 {
		if err := r.editState(func(export []byte) ([]byte, error) { return sentInputs(export, sent) }); err != nil {
			return err
		}
	}
	for _, p := range before.Pending {
		switch got, in := after.IDs[p.URN]; {
		case p.Op != "creating":
			r.say("Read back %s (it was %s).", p.URN, p.Op)
		case in && !p.Custom:
			r.say("Kept %s, a component of the program.", p.URN)
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

// editState exports the stack's state, edits it and imports the result.
func (r *recoverer) editState(edit func(export []byte) ([]byte, error)) error {
	raw, err := r.exportRaw()
	if err != nil {
		return err
	}
	edited, err := edit(raw)
	if err != nil {
		return err
	}
	return r.importState(edited)
}

// importState replaces the stack's state with doc, through a file only
// this user reads, removed afterwards.
func (r *recoverer) importState(doc []byte) error {
	file, err := os.CreateTemp("", "recover-"+r.stack+"-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(file.Name())
	if _, err := file.Write(doc); err != nil {
		return err
	}
	file.Close()
	if out, err := r.unlocked("stack", "import", "--file", file.Name()); err != nil {
		return failed("pulumi stack import", out, err)
	}
	return nil
}

// subscription is the stack's Azure subscription: from the ids in its
// state, else as azure-native finds it, ARM_SUBSCRIPTION_ID or the Azure
// CLI's login.
func (r *recoverer) subscription(st *stackState) string {
	if sub := st.subscription(); sub != "" {
		return sub
	}
	if sub := os.Getenv("ARM_SUBSCRIPTION_ID"); sub != "" {
		return sub
	}
	out, err := exec.Command("az", "account", "show", "--query", "id", "-o", "tsv").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// unlocked runs a command that takes the stack's lock. When a dead run's
// lock refuses it, the lock is removed (pulumi cancel deletes a DIY
// backend's lock files without asking who holds them, so the holders are
// checked here first) and the command runs again.
func (r *recoverer) unlocked(args ...string) (string, error) {
	out, err := r.cli(args...)
	locks := parseLocks(out)
	if err == nil || len(locks) == 0 {
		return out, err
	}
	if err := staleLocks(locks, r.host, r.running, r.force); err != nil {
		return "", &lockedError{err}
	}
	if cout, err := r.cli("cancel", "--yes"); err != nil {
		return cout, fmt.Errorf("pulumi cancel: %w", err)
	}
	for _, l := range locks {
		r.say("Removed the lock of pulumi pid %d (%s@%s, since %s): that run has ended.", l.PID, l.User, l.Host, l.Time)
	}
	return r.cli(args...)
}

// lockedError is a lock whose holder may still run: nothing was changed.
type lockedError struct{ err error }

func (e *lockedError) Error() string {
	return "the stack is locked and was left as it is:\n" + e.err.Error()
}

func failed(what, out string, err error) error {
	var locked *lockedError
	if errors.As(err, &locked) {
		return err
	}
	return fmt.Errorf("%s: %w\n%s", what, err, out)
}
