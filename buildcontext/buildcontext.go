// Package buildcontext packs the demo app's folder for an image build, as
// `docker build` would send it: .dockerignore read with Docker's own
// matcher, tests and dotfiles left out, the same bytes every time. It knows
// nothing of Azure: the caller says how large a context its build accepts.
package buildcontext

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Packed is a directory packed as a tar.gz the same way every time, so its
// hash changes only when a file that goes into the image changes.
type Packed struct {
	Tarball []byte
	// Hash is the sha256 of Tarball in hex; its head tags the image.
	Hash string
	// Files lists what was packed, in order.
	Files []string
	// Dockerfile is the packed Dockerfile's text.
	Dockerfile string
}

// BaseImage is the image of the Dockerfile's first FROM line.
func (b *Packed) BaseImage() (string, error) {
	for _, line := range strings.Split(b.Dockerfile, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.EqualFold(f[0], "FROM") {
			img := f[1]
			if strings.HasPrefix(img, "--platform=") && len(f) >= 3 {
				img = f[2]
			}
			return img, nil
		}
	}
	return "", fmt.Errorf("the demo app's Dockerfile has no FROM line")
}

// Pack packs dir for an image build. Tests, dotfiles and what .dockerignore
// names stay out, so editing a test does not rebuild the image. fits is the
// builder's size limit: what it refuses fails here, before anything is
// declared.
func Pack(dir string, fits func(tarball []byte) error) (*Packed, error) {
	ignore, err := readDockerignore(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		name := d.Name()
		// Docker sends the Dockerfile even when .dockerignore names it.
		if !d.IsDir() && rel != "Dockerfile" {
			skip, err := ignored(ignore, filepath.ToSlash(rel))
			if err != nil {
				return fmt.Errorf(".dockerignore: %w", err)
			}
			if skip {
				return nil
			}
		}
		if rel != "." && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if name == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, "_test.go") || !d.Type().IsRegular() {
			return nil
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("packing the demo app's source %s: %w", dir, err)
	}
	if !slices.Contains(files, "Dockerfile") {
		return nil, fmt.Errorf("packing the demo app's source %s: no Dockerfile there", dir)
	}
	slices.Sort(files)

	ctx := &Packed{Files: files}
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return nil, err
		}
		if f == "Dockerfile" {
			ctx.Dockerfile = string(data)
		}
		// Fixed mode, owner and time: only content decides the bytes.
		hdr := &tar.Header{Name: f, Mode: 0o644, Size: int64(len(data)), Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	ctx.Tarball, ctx.Hash = buf.Bytes(), hex.EncodeToString(sum[:])
	// Checked here, before anything is declared, so an oversized app fails
	// preview rather than the build.
	if err := fits(ctx.Tarball); err != nil {
		return nil, fmt.Errorf("packing %s: %w", dir, err)
	}
	return ctx, nil
}

// readDockerignore reads dir/.dockerignore, if any, with Docker's own
// parser and matcher (github.com/moby/patternmatcher, what the Docker CLI
// and BuildKit use), so `**`, `!` exceptions and parent folders mean here
// exactly what they mean to `docker build`.
func readDockerignore(dir string) (*patternmatcher.PatternMatcher, error) {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", f.Name(), err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	return pm, nil
}

// ignored tells whether .dockerignore keeps the file (a slash path relative
// to the context) out: the last pattern that matches it, or a folder it is
// in, decides.
func ignored(pm *patternmatcher.PatternMatcher, rel string) (bool, error) {
	if pm == nil {
		return false, nil
	}
	return pm.MatchesOrParentMatches(rel)
}
