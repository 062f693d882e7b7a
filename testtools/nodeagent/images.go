package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// image is what the node runs for an image reference: a binary built from
// the same source as the image, and the image's config (entrypoint, user,
// environment). The index is a JSON list in a file, read at every pull, so
// whoever builds the binary (the e2e suite, the playground) can add to it
// while the node runs.
type image struct {
	// Repository is the reference's path without the registry host; every
	// stack has its own registry, and the digest pins the content.
	Repository string   `json:"repository"`
	Digest     string   `json:"digest"`
	Binary     string   `json:"binary"`
	Entrypoint []string `json:"entrypoint"`
	// User is the image's USER, uid:gid.
	User string   `json:"user"`
	Env  []string `json:"env"`
}

// errImagePull is an image this node cannot pull.
type errImagePull struct{ msg string }

func (e errImagePull) Error() string { return e.msg }

// resolve finds ref (host/repository@sha256:...) in the index file.
func resolve(indexFile, ref string) (image, error) {
	name, digest, ok := strings.Cut(ref, "@")
	host, repo, hasHost := strings.Cut(name, "/")
	if !ok || !strings.HasPrefix(digest, "sha256:") || !hasHost || !strings.Contains(host, ".") {
		return image{}, errImagePull{fmt.Sprintf("image %q: this node pulls only registry-host/repository@sha256:digest references", ref)}
	}
	data, err := os.ReadFile(indexFile)
	if err != nil {
		return image{}, fmt.Errorf("image index: %w", err)
	}
	var index []image
	if err := json.Unmarshal(data, &index); err != nil {
		return image{}, fmt.Errorf("image index %s: %w", indexFile, err)
	}
	for _, im := range index {
		if im.Repository == repo && im.Digest == digest {
			return im, nil
		}
	}
	return image{}, errImagePull{fmt.Sprintf("failed to pull image %q: %s@%s: not found (no image with this repository and digest was built from this source)", ref, repo, digest)}
}
