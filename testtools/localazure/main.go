// Command localazure plays Azure for the local playground (`make
// local-up`): the stand-in's data plane (Entra ID, Azure OpenAI) for one
// state folder, behind the local Azure's address that
// testtools/cluster/up.sh chose and gave the webhook; and the demo image
// for the cluster's node, built from this checkout's demo/. It runs until
// SIGTERM; local-down.sh stops it by PID.
package main

import (
	"flag"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"aks-openai-workload-identity/testtools/azurefront"
	"aks-openai-workload-identity/testtools/azurestandin/dataplane"
	"aks-openai-workload-identity/testtools/demoimage"
)

func main() {
	var state, kubeconfig, addr, cert, key, images, root, logFile, ready string
	flag.StringVar(&state, "state", "", "the stand-in's state folder (AZURE_STANDIN_STATE)")
	flag.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig to read the service account keys with")
	flag.StringVar(&addr, "addr", "", "the local Azure's address (E2E_AZURE_ADDR)")
	flag.StringVar(&cert, "cert", "", "its certificate (E2E_AZURE_CERT)")
	flag.StringVar(&key, "key", "", "its key (E2E_AZURE_KEY)")
	flag.StringVar(&images, "images", "", "the node's image index (E2E_IMAGES)")
	flag.StringVar(&root, "root", ".", "this repository, whose demo/ is the image")
	flag.StringVar(&logFile, "log", "", "request log (AZURE_STANDIN_LOG)")
	flag.StringVar(&ready, "ready", "", "file written once serving")
	flag.Parse()

	bin := filepath.Join(filepath.Dir(images), "demo")
	if err := demoimage.Build(root, bin); err != nil {
		log.Fatal(err)
	}
	im, err := demoimage.Expected(root, bin)
	if err != nil {
		log.Fatal(err)
	}
	if err := demoimage.RegisterAll(images, im); err != nil {
		log.Fatal(err)
	}
	dp, err := dataplane.StartConfig(dataplane.Config{StateDir: state, Kubeconfig: kubeconfig, Log: logFile, Getenv: os.Getenv})
	if err != nil {
		log.Fatal(err)
	}
	defer dp.Close()
	front, err := azurefront.Start(addr, cert, key)
	if err != nil {
		log.Fatal(err)
	}
	defer front.Close()
	if _, err := front.Add(azurefront.Backend{URL: dp.URL, CAFile: dp.CAFile, StateDir: state}); err != nil {
		log.Fatal(err)
	}
	log.Printf("local Azure on %s (data plane %s); demo image %s (%d run digests)", front.URL, dp.URL, im[0].Repository, len(im))
	if ready != "" {
		if err := os.WriteFile(ready, []byte(front.URL+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	log.Printf("stopping")
}
