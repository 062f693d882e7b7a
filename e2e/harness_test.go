//go:build e2e

// Package e2e runs the real program, through the real Pulumi CLI, language
// host and Kubernetes provider, against a real local Kubernetes API server
// and a local stand-in for Azure. `make e2e` builds the tools (cached),
// starts the control plane, runs this suite and stops everything.
package e2e

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"aks-openai-workload-identity/testtools/azurefront"
	"aks-openai-workload-identity/testtools/demoimage"
)

// suite is what every test shares: tools, the plugin home, the cluster.
type suite struct {
	root string // the repository
	bin  string // the cached tools (pulumi, pulumi-language-go, ...)
	// cli holds the suite's pulumi: the cached CLI beside a Go language
	// host that runs programBin instead of building the program.
	cli        string
	tmp        string
	pulumiHome string
	standinBin string
	demoBin    string
	// programBin is the program, built once from the repository for the
	// whole suite: an operation then starts in a second instead of the 20 s
	// a build of the program takes on two cores.
	programBin string
	kubeconfig string // the local API server's admin kubeconfig
	issuer     string // the service account issuer = the "AKS" OIDC issuer
	kube       *kubernetes.Clientset
	// front is the local Azure's address that the webhook gave every pod
	// as its authority host; each world's data plane sits behind it.
	front *azurefront.Front
	// image is the demo image the node runs: repository and digest.
	// images are the demo images the node knows; imageIndex is its index.
	images     []demoimage.Image
	imageIndex string
}

var shared suite

func TestMain(m *testing.M) {
	code, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	if code < 0 {
		code = m.Run()
	}
	os.RemoveAll(shared.tmp)
	os.Exit(code)
}

func setup() (int, error) {
	start := time.Now()
	wd, _ := os.Getwd()
	shared.root = filepath.Dir(wd)
	shared.bin = os.Getenv("E2E_BIN")
	shared.kubeconfig = os.Getenv("E2E_KUBECONFIG")
	shared.issuer = os.Getenv("E2E_ISSUER")
	azureAddr, azureCert, azureKey, images := os.Getenv("E2E_AZURE_ADDR"), os.Getenv("E2E_AZURE_CERT"), os.Getenv("E2E_AZURE_KEY"), os.Getenv("E2E_IMAGES")
	if shared.bin == "" || shared.kubeconfig == "" || shared.issuer == "" || azureAddr == "" || images == "" {
		return 1, fmt.Errorf("E2E_BIN, E2E_KUBECONFIG, E2E_ISSUER and the cluster's E2E_AZURE_*, E2E_IMAGES must be set: run the suite with `make e2e`")
	}
	var err error
	if shared.tmp, err = os.MkdirTemp("", "aks-openai-e2e-"); err != nil {
		return 1, err
	}
	os.Setenv("PATH", shared.bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	shared.standinBin = filepath.Join(shared.tmp, "bin", "pulumi-resource-azure-native")
	shared.demoBin = filepath.Join(shared.tmp, "bin", "demo")
	shared.programBin = filepath.Join(shared.tmp, "bin", "program")
	if err := buildProgram(shared.root, shared.programBin); err != nil {
		return 1, err
	}
	shared.cli = filepath.Join(shared.tmp, "cli")
	if err := run(shared.root, "bash", "testtools/toolchain/cli-with-options.sh", shared.cli); err != nil {
		return 1, err
	}
	if err := run(filepath.Join(shared.root, "testtools"), "go", "build", "-o", shared.standinBin, "./azurestandin"); err != nil {
		return 1, err
	}
	// The node runs the demo image as this binary, built from the same
	// source as the image the program will deploy.
	if err := demoimage.Build(shared.root, shared.demoBin); err != nil {
		return 1, err
	}
	if shared.images, err = demoimage.Expected(shared.root, shared.demoBin); err != nil {
		return 1, err
	}
	if err := demoimage.RegisterAll(images, shared.images); err != nil {
		return 1, err
	}
	shared.imageIndex = images
	if shared.front, err = azurefront.Start(azureAddr, azureCert, azureKey); err != nil {
		return 1, err
	}
	shared.pulumiHome = filepath.Join(shared.tmp, "pulumi-home")
	if err := run(shared.root, "bash", "testtools/toolchain/install-plugins.sh", shared.pulumiHome, shared.standinBin); err != nil {
		return 1, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", shared.kubeconfig)
	if err != nil {
		return 1, err
	}
	if shared.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return 1, err
	}
	fmt.Printf("e2e setup took %s\n", time.Since(start).Round(time.Millisecond))
	return -1, nil
}

func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// copyProject copies what a user deploys (the repository minus tests'
// tools, VCS and CI files) to dir, so each test has its own stack files.
func copyProject(t *testing.T, dir string) {
	t.Helper()
	skip := map[string]bool{".git": true, ".ci": true, ".build": true, "e2e": true, "testtools": true}
	err := filepath.WalkDir(shared.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(shared.root, path)
		if rel == "." {
			return nil
		}
		if skip[strings.Split(filepath.ToSlash(rel), "/")[0]] || strings.HasPrefix(d.Name(), "Pulumi.") && d.Name() != "Pulumi.yaml" && d.Name() != "Pulumi.dev.yaml" && d.Name() != "Pulumi.prod.yaml" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// buildProgram builds the program in dir as Pulumi's Go language host does
// (`go build -o out .`).
func buildProgram(dir, out string) error {
	return run(dir, "go", "build", "-o", out, ".")
}

// EnvProgramBin names the program binary that the suite's language host
// runs instead of building the program (testtools/toolchain/
// cli-with-options.sh); each world sets it (world.env).
const EnvProgramBin = "E2E_PROGRAM_BIN"

// pulumiCmd is the CLI built from source, in the tools cache, with the
// suite's language host.
func pulumiCmd(t *testing.T) auto.PulumiCommand {
	t.Helper()
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: shared.cli})
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
