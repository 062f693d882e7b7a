package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The kubelet's limits on a termination message (pkg/kubelet/container).
const (
	maxTerminationMessage = 4096
	fallbackLogLines      = 80
	fallbackLogBytes      = 2048
	// The kubelet backs off longer; the Node authorizer may not yet know
	// a new pod's secret or service account for a moment.
	retryEvery = 2 * time.Second
)

// podRun is one pod on this node: its folder, its process, its end.
type podRun struct {
	a         *agent
	pod       *corev1.Pod // as first seen
	dir       string
	container string
	logFile   string

	stopOnce sync.Once
	stop     chan struct{} // closed when the pod is being deleted
	grace    time.Duration
	done     chan struct{} // closed when nothing of the pod runs any more
}

func (r *podRun) logf(format string, args ...any) {
	log.Printf("pod %s/%s: %s", r.pod.Namespace, r.pod.Name, fmt.Sprintf(format, args...))
}

// requestStop ends the pod's process within grace (pod deletion).
func (r *podRun) requestStop(grace time.Duration) {
	r.stopOnce.Do(func() {
		r.grace = grace
		close(r.stop)
	})
}

// run takes the pod from bound to a terminal phase.
func (r *podRun) run() {
	defer close(r.done)
	pod := r.pod
	start := time.Now()
	if pod.Status.StartTime != nil {
		start = pod.Status.StartTime.Time
	}
	var deadline <-chan time.Time
	if s := pod.Spec.ActiveDeadlineSeconds; s != nil {
		deadline = time.After(time.Until(start.Add(time.Duration(*s) * time.Second)))
	}
	deadlineMsg := "Pod was active on the node longer than the specified deadline"
	c := &pod.Spec.Containers[0]
	r.status(func(p *corev1.Pod) {
		st := metav1.NewTime(start)
		p.Status.StartTime = &st
		p.Status.HostIP, p.Status.PodIP = "127.0.0.1", "127.0.0.1"
		p.Status.HostIPs = []corev1.HostIP{{IP: "127.0.0.1"}}
		p.Status.PodIPs = []corev1.PodIP{{IP: "127.0.0.1"}}
		setCondition(p, corev1.PodReadyToStartContainers, true, "")
		setCondition(p, corev1.PodInitialized, true, "")
	})

	if refused := refusals(pod); len(refused) > 0 {
		r.fail("UnsupportedPodSpec", refusalMessage(refused))
		return
	}
	// wait pauses before a retry; false means the pod ends (deleted or past its deadline).
	wait := func() bool {
		select {
		case <-r.stop:
			return false
		case <-deadline:
			r.fail("DeadlineExceeded", deadlineMsg)
			return false
		case <-time.After(retryEvery):
			return true
		}
	}

	var proc *process
	for attempt := 0; ; attempt++ {
		img, err := resolve(r.a.images, c.Image)
		var pullErr errImagePull
		if errors.As(err, &pullErr) {
			reason := "ErrImagePull"
			if attempt > 0 {
				reason = "ImagePullBackOff"
			}
			r.waiting(c.Image, reason, pullErr.msg)
			if !wait() {
				return
			}
			continue
		}
		if err == nil {
			proc, err = r.prepare(pod, c, img)
		}
		if err != nil {
			var cfgErr configError
			reason := "ContainerCreating"
			if errors.As(err, &cfgErr) {
				reason = "CreateContainerConfigError"
			}
			r.logf("%s: %v", reason, err)
			r.waiting(c.Image, reason, err.Error())
			if !wait() {
				return
			}
			continue
		}
		break
	}

	if err := proc.start(); err != nil {
		r.waiting(c.Image, "RunContainerError", err.Error())
		r.fail("RunContainerError", err.Error())
		return
	}
	started := metav1.Now()
	r.logf("started pid %d: %s", proc.cmd.Process.Pid, strings.Join(proc.cmd.Args, " "))
	r.status(func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodRunning
		r.containerStatus(p, c.Image, corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}, true)
		setCondition(p, corev1.ContainersReady, true, "")
		setCondition(p, corev1.PodReady, true, "")
	})
	stopTokens := make(chan struct{})
	defer close(stopTokens)
	go r.refreshTokens(pod, proc, stopTokens)

	exited := make(chan struct{})
	go func() { proc.wait(); close(exited) }()
	select {
	case <-exited:
	case <-r.stop:
		proc.kill(r.grace, exited)
		return
	case <-deadline:
		proc.kill(graceOf(pod), exited)
		r.terminated(c, proc, started)
		r.fail("DeadlineExceeded", deadlineMsg)
		return
	}
	r.terminated(c, proc, started)
}

// terminated records the container's end and the pod's phase (restart
// policy Never: exit 0 is Succeeded, anything else Failed).
func (r *podRun) terminated(c *corev1.Container, proc *process, started metav1.Time) {
	code := proc.exitCode()
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	msg := r.terminationMessage(c, proc, code)
	r.logf("exited %d (%s) %q", code, reason, msg)
	r.status(func(p *corev1.Pod) {
		if code == 0 {
			p.Status.Phase = corev1.PodSucceeded
		} else {
			p.Status.Phase = corev1.PodFailed
		}
		r.containerStatus(p, c.Image, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: int32(code), Reason: reason, Message: msg, StartedAt: started, FinishedAt: metav1.Now(),
			ContainerID: "local://" + string(r.pod.UID),
		}}, false)
		setCondition(p, corev1.ContainersReady, false, "PodCompleted")
		setCondition(p, corev1.PodReady, false, "PodCompleted")
	})
}

// terminationMessage is the file at terminationMessagePath, or with
// FallbackToLogsOnError and a failure and an empty file, the log's tail.
func (r *podRun) terminationMessage(c *corev1.Container, proc *process, code int) string {
	data, _ := os.ReadFile(filepath.Join(proc.root, terminationPath(c)))
	if len(data) > maxTerminationMessage {
		data = data[:maxTerminationMessage]
	}
	if len(data) == 0 && code != 0 && c.TerminationMessagePolicy == corev1.TerminationMessageFallbackToLogsOnError {
		logs, _ := os.ReadFile(r.logFile)
		lines := strings.SplitAfter(string(logs), "\n")
		if len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		if len(lines) > fallbackLogLines {
			lines = lines[len(lines)-fallbackLogLines:]
		}
		tail := strings.Join(lines, "")
		if len(tail) > fallbackLogBytes {
			tail = tail[len(tail)-fallbackLogBytes:]
		}
		return tail
	}
	return string(data)
}

func terminationPath(c *corev1.Container) string {
	if c.TerminationMessagePath != "" {
		return c.TerminationMessagePath
	}
	return corev1.TerminationMessagePathDefault
}

func graceOf(pod *corev1.Pod) time.Duration {
	if s := pod.Spec.TerminationGracePeriodSeconds; s != nil {
		return time.Duration(*s) * time.Second
	}
	return 30 * time.Second
}
