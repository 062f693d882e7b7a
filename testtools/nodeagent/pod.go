package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
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

// status updates the pod's status with f, on the newest pod.
func (r *podRun) status(f func(*corev1.Pod)) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pods := r.a.kube.CoreV1().Pods(r.pod.Namespace)
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		p, err := pods.Get(ctx, r.pod.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.UID != r.pod.UID {
			return nil
		}
		f(p)
		_, err = pods.UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) {
		r.logf("status update: %v", err)
	}
}

func setCondition(p *corev1.Pod, t corev1.PodConditionType, ok bool, reason string) {
	st := corev1.ConditionFalse
	if ok {
		st = corev1.ConditionTrue
	}
	now := metav1.Now()
	for i := range p.Status.Conditions {
		c := &p.Status.Conditions[i]
		if c.Type == t {
			if c.Status != st {
				c.LastTransitionTime = now
			}
			c.Status, c.Reason = st, reason
			return
		}
	}
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: t, Status: st, Reason: reason, LastTransitionTime: now})
}

func (r *podRun) containerStatus(p *corev1.Pod, image string, state corev1.ContainerState, ready bool) {
	started := state.Running != nil
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: r.container, Image: image, ImageID: image, State: state, Ready: ready, Started: &started,
	}}
	if state.Running != nil || state.Terminated != nil {
		p.Status.ContainerStatuses[0].ContainerID = "local://" + string(r.pod.UID)
	}
}

// waiting shows why the container does not run yet, as the kubelet's
// waiting reasons do (ContainerCreating, ErrImagePull,
// CreateContainerConfigError).
func (r *podRun) waiting(image, reason, msg string) {
	r.status(func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		r.containerStatus(p, image, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}, false)
		setCondition(p, corev1.ContainersReady, false, "ContainersNotReady")
		setCondition(p, corev1.PodReady, false, "ContainersNotReady")
	})
}

// fail ends the pod without running it further, as the kubelet does when
// it rejects a pod or its deadline passes.
func (r *podRun) fail(reason, msg string) {
	r.logf("failed: %s: %s", reason, msg)
	r.status(func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodFailed
		p.Status.Reason, p.Status.Message = reason, msg
		setCondition(p, corev1.ContainersReady, false, "PodFailed")
		setCondition(p, corev1.PodReady, false, "PodFailed")
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

// configError is a container whose configuration cannot be built yet (a
// missing secret): CreateContainerConfigError, retried.
type configError struct{ error }

// prepare builds the container's root folder, environment and volumes.
func (r *podRun) prepare(pod *corev1.Pod, c *corev1.Container, img image) (*process, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	uid, gid, err := identity(pod, c, img)
	if err != nil {
		return nil, configError{err}
	}
	services, err := r.a.services(ctx, pod)
	if err != nil {
		return nil, err
	}
	base := append([]string{"HOSTNAME=" + hostname(pod)}, img.Env...)
	env, err := containerEnv(ctx, pod, c, services, r.a.secret, base)
	if err != nil {
		return nil, configError{err}
	}
	argv := c.Command
	if len(argv) == 0 {
		argv = img.Entrypoint
	}
	argv = append(expandArgs(argv, env), expandArgs(c.Args, env)...)
	if len(argv) == 0 || !filepath.IsAbs(argv[0]) {
		return nil, configError{fmt.Errorf("command %q: want an absolute path in the image", argv)}
	}

	root := filepath.Join(r.dir, "rootfs")
	os.RemoveAll(root)
	p := &process{root: root, uid: uid, gid: gid}
	if err := p.layImage(img, argv[0], r.a.trust); err != nil {
		return nil, err
	}
	if err := p.file(terminationPath(c), nil, 0o666, true); err != nil {
		return nil, err
	}
	for _, m := range c.VolumeMounts {
		if err := r.mount(ctx, pod, p, m); err != nil {
			return nil, err
		}
	}
	if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
		p.writableRoot()
	}
	logf, err := os.OpenFile(r.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	dir := c.WorkingDir
	if dir == "" {
		dir = "/"
	}
	p.cmd = &exec.Cmd{Path: argv[0], Args: argv, Env: env, Dir: dir, Stdout: logf, Stderr: logf}
	p.log = logf
	return p, nil
}

func hostname(pod *corev1.Pod) string {
	if pod.Spec.Hostname != "" {
		return pod.Spec.Hostname
	}
	return pod.Name
}

// identity is the uid and gid the process runs as: the container's
// security context, else the pod's, else the image's USER.
func identity(pod *corev1.Pod, c *corev1.Container, img image) (uint32, uint32, error) {
	var uid, gid uint32
	if u, g, ok := strings.Cut(img.User, ":"); img.User != "" {
		n, err := strconv.ParseUint(u, 10, 32)
		if err != nil {
			return 0, 0, fmt.Errorf("image user %q: want numeric uid:gid", img.User)
		}
		uid = uint32(n)
		if ok {
			m, err := strconv.ParseUint(g, 10, 32)
			if err != nil {
				return 0, 0, fmt.Errorf("image user %q: want numeric uid:gid", img.User)
			}
			gid = uint32(m)
		}
	}
	nonRoot := false
	if sc := pod.Spec.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = uint32(*sc.RunAsUser)
		}
		if sc.RunAsGroup != nil {
			gid = uint32(*sc.RunAsGroup)
		}
		nonRoot = sc.RunAsNonRoot != nil && *sc.RunAsNonRoot
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = uint32(*sc.RunAsUser)
		}
		if sc.RunAsGroup != nil {
			gid = uint32(*sc.RunAsGroup)
		}
		if sc.RunAsNonRoot != nil {
			nonRoot = *sc.RunAsNonRoot
		}
	}
	if nonRoot && uid == 0 {
		return 0, 0, fmt.Errorf("container has runAsNonRoot and image will run as root (pod: %q, container: %s)", pod.Name, c.Name)
	}
	return uid, gid, nil
}

// mount writes a volume's files under its mount path in the root folder.
// Only projected service account tokens exist here (refusals checks).
func (r *podRun) mount(ctx context.Context, pod *corev1.Pod, p *process, m corev1.VolumeMount) error {
	for _, v := range pod.Spec.Volumes {
		if v.Name != m.Name {
			continue
		}
		if v.Projected == nil {
			return fmt.Errorf("volume %s: only projected volumes here", v.Name)
		}
		for _, s := range v.Projected.Sources {
			if s.ServiceAccountToken == nil {
				return fmt.Errorf("volume %s: only serviceAccountToken sources here", v.Name)
			}
			tok, err := r.token(ctx, pod, s.ServiceAccountToken)
			if err != nil {
				return fmt.Errorf("MountVolume.SetUp failed for volume %q: %v", v.Name, err)
			}
			path := filepath.Join(m.MountPath, s.ServiceAccountToken.Path)
			if err := p.file(path, []byte(tok), 0o400, true); err != nil {
				return err
			}
			p.tokens = append(p.tokens, tokenFile{path: path, source: s.ServiceAccountToken})
		}
		return nil
	}
	return fmt.Errorf("volume mount %s: no such volume", m.Name)
}

// token asks the API server for a token bound to the pod, as the kubelet
// does for a projected serviceAccountToken source.
func (r *podRun) token(ctx context.Context, pod *corev1.Pod, src *corev1.ServiceAccountTokenProjection) (string, error) {
	exp := int64(3600)
	if src.ExpirationSeconds != nil {
		exp = *src.ExpirationSeconds
	}
	var aud []string
	if src.Audience != "" {
		aud = []string{src.Audience}
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	tr, err := r.a.kube.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, &authv1.TokenRequest{
		Spec: authv1.TokenRequestSpec{
			Audiences: aud, ExpirationSeconds: &exp,
			BoundObjectRef: &authv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return tr.Status.Token, nil
}

// refreshTokens rewrites each token at 80% of its lifetime, as the kubelet does.
func (r *podRun) refreshTokens(pod *corev1.Pod, p *process, stop <-chan struct{}) {
	for _, t := range p.tokens {
		go func(t tokenFile) {
			for {
				exp := int64(3600)
				if t.source.ExpirationSeconds != nil {
					exp = *t.source.ExpirationSeconds
				}
				select {
				case <-stop:
					return
				case <-time.After(time.Duration(exp) * time.Second * 8 / 10):
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				tok, err := r.token(ctx, pod, t.source)
				cancel()
				if err == nil {
					err = p.file(t.path, []byte(tok), 0o400, true)
				}
				if err != nil {
					r.logf("token refresh: %v", err)
				}
			}
		}(t)
	}
}

// process is a container as a local process in its own root folder.
type process struct {
	root     string
	uid, gid uint32
	cmd      *exec.Cmd
	log      *os.File
	tokens   []tokenFile
	waitErr  error
}

type tokenFile struct {
	path   string
	source *corev1.ServiceAccountTokenProjection
}

func (p *process) start() error {
	p.cmd.SysProcAttr = sysProcAttr(p.root, p.uid, p.gid)
	// Its own process group, so stopping the pod stops all it started.
	p.cmd.SysProcAttr.Setpgid = true
	err := p.cmd.Start()
	if err != nil {
		p.log.Close()
	}
	return err
}

func (p *process) wait() {
	p.waitErr = p.cmd.Wait()
	p.log.Close()
}

func (p *process) exitCode() int {
	if p.cmd.ProcessState == nil {
		return 128 + int(syscall.SIGKILL)
	}
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return p.cmd.ProcessState.ExitCode()
}

// kill sends SIGTERM to the process group, then SIGKILL after grace.
func (p *process) kill(grace time.Duration, exited <-chan struct{}) {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-exited
	}
}
