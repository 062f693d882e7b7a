package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
)

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
