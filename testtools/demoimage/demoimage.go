// Package demoimage gives the local node the demo image the program
// deploys: the demo binary built from demo/ (what the Dockerfile builds),
// under the repository and digests the program can run. The program names
// the image repository@digest from its ACR run's result; the stand-in's ACR
// reports, for an encoded task, the sha256 of the task's base64 text and
// the run's id (standin/kind_registry.go), and the program's task carries the
// packed demo/ source (infra.BuildTask). So the same source gives the same
// digests here, and a change to demo/ that the binary lacks cannot pass
// unnoticed: the node would not find the image (ErrImagePull).
package demoimage

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

	"aks-openai-workload-identity/buildcontext"
	"aks-openai-workload-identity/infra"
	"aks-openai-workload-identity/k8s"
)

// Image is an entry of the node's image index (testtools/nodeagent).
type Image struct {
	Repository string   `json:"repository"`
	Digest     string   `json:"digest"`
	Binary     string   `json:"binary"`
	Entrypoint []string `json:"entrypoint"`
	User       string   `json:"user"`
	Env        []string `json:"env"`
}

// runsKnown is how many runs of one registry the node knows the demo
// image for: the stand-in's ACR names them ca1, ca2, ... and gives each run
// a digest of its own (a rebuild is not bit-for-bit the same image).
const runsKnown = 20

// Expected are the demo images for the source in root/demo, with binary as
// their content: one per run id the stand-in's ACR can give it. main.go
// names the repository after the demo Job.
func Expected(root, binary string) ([]Image, error) {
	bc, err := buildcontext.Pack(filepath.Join(root, "demo"), infra.CheckInlineSize)
	if err != nil {
		return nil, err
	}
	builder, err := bc.BaseImage()
	if err != nil {
		return nil, err
	}
	task := base64.StdEncoding.EncodeToString([]byte(infra.BuildTask(k8s.DemoJobName, bc.Hash[:16], builder, bc.Tarball)))
	var images []Image
	for run := 1; run <= runsKnown; run++ {
		// The stand-in's digest of a run's push (standin/kind_registry.go).
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s\nca%d", task, run)))
		images = append(images, Image{
			Repository: k8s.DemoJobName, Digest: "sha256:" + hex.EncodeToString(sum[:]), Binary: binary,
			// The Dockerfile's ENTRYPOINT and USER, and the PATH a base image sets.
			Entrypoint: []string{"/demo"}, User: "65532:65532",
			Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		})
	}
	return images, nil
}

// RegisterAll adds every image to the index file.
func RegisterAll(index string, images []Image) error {
	for _, im := range images {
		if err := Register(index, im); err != nil {
			return err
		}
	}
	return nil
}

// Build builds the demo as its Dockerfile does (static, trimmed) into out.
func Build(root, out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = filepath.Join(root, "demo")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the demo: %v\n%s", err, b)
	}
	return nil
}

// Register adds im to the index file, replacing an entry of the same
// repository and digest.
func Register(index string, im Image) error {
	var all []Image
	data, err := os.ReadFile(index)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &all); err != nil {
			return fmt.Errorf("%s: %w", index, err)
		}
	}
	out := []Image{im}
	for _, x := range all {
		if x.Repository != im.Repository || x.Digest != im.Digest {
			out = append(out, x)
		}
	}
	data, _ = json.MarshalIndent(out, "", "  ")
	tmp := index + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, index)
}
