// Command demo runs in AKS as the Job sc-demo-openai-identity and proves a
// keyless connection to Azure OpenAI: an Entra token obtained through workload
// identity (no API key anywhere) is used for one chat completion.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// SIGTERM is how Kubernetes stops a Job pod (e.g. activeDeadlineSeconds);
	// cancelling lets run report it instead of dying mid-line.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Getenv, os.Stdout, os.Stderr, defaultDeps())
	stop()
	os.Exit(code)
}
