package main

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// A container's root folder stands for its image's file system: the binary
// at the entrypoint's path and the image's trust store, owned by root and
// read-only to the process, which is chrooted into it. The trust store is
// the local Azure's CA, as the real image (distroless) carries the public
// CAs that sign Azure's endpoints; that is how the demo trusts the local
// Entra ID and Azure OpenAI without a line of test code in it.
const trustStore = "/etc/ssl/certs/ca-certificates.crt"

func (p *process) layImage(img image, entry string, trust []byte) error {
	if err := p.file(trustStore, trust, 0o444, false); err != nil {
		return err
	}
	dst := filepath.Join(p.root, entry)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Link(img.Binary, dst); err == nil {
		return nil
	}
	in, err := os.Open(img.Binary)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o555)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// file writes a file at path inside the root; owned makes it the process's.
func (p *process) file(path string, data []byte, mode os.FileMode, owned bool) error {
	dst := filepath.Join(p.root, path)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	if owned && os.Geteuid() == 0 {
		if err := os.Chown(tmp, int(p.uid), int(p.gid)); err != nil {
			return err
		}
	}
	return os.Rename(tmp, dst)
}

// writableRoot gives the process its root folder (readOnlyRootFilesystem
// false): it may create files there.
func (p *process) writableRoot() {
	if os.Geteuid() == 0 {
		_ = os.Chown(p.root, int(p.uid), int(p.gid))
	}
}

// sysProcAttr runs the process chrooted in root as uid:gid. As root that
// is chroot and setuid; otherwise a user namespace maps uid:gid to the
// agent's own user (where the kernel allows unprivileged user namespaces).
func sysProcAttr(root string, uid, gid uint32) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{
		Chroot:     root,
		Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}},
	}
	if os.Geteuid() != 0 {
		attr.Cloneflags = syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: int(uid), HostID: os.Getuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: int(gid), HostID: os.Getgid(), Size: 1}}
		attr.GidMappingsEnableSetgroups = false
		attr.Credential.NoSetGroups = true
	}
	return attr
}
