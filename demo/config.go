package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

const (
	// The GA "v1" Azure OpenAI API is OpenAI-compatible: the deployment goes in
	// the request body's "model" field and no api-version query is required, so
	// this demo will not rot when dated preview/GA api-versions are retired.
	v1Path = "/openai/v1/"

	// The longest a source gives what the demo retries: a role assignment
	// takes up to 10 minutes to take effect (Learn, "Troubleshoot Azure
	// RBAC"). The Job sets its own budget from its deadline.
	defaultRetrySeconds   = 600
	defaultTimeoutSeconds = 30
	// Upper bounds catch typos (e.g. milliseconds instead of seconds) that would
	// otherwise leave the Job hanging far past activeDeadlineSeconds.
	maxRetrySeconds   = 3600
	maxTimeoutSeconds = 600
)

// config is everything the demo reads from its environment.
type config struct {
	endpoint      string // as configured, for messages
	endpointVar   string // which variable supplied endpoint, for messages
	baseURL       string // <endpoint>/openai/v1/
	deployment    string
	clientID      string
	tenantID      string
	tokenFile     string
	authorityHost string
	retryBudget   time.Duration
	timeout       time.Duration
	timeoutSecs   int
}

// loadConfig validates the environment up front so a misconfigured pod fails
// with one precise line instead of an opaque SDK error minutes later.
func loadConfig(env func(string) string) (config, error) {
	var c config
	get := func(name string) string { return strings.TrimSpace(env(name)) }

	// Service Connector's secret wins: it is the value the platform manages.
	c.endpointVar = "AZURE_OPENAI_BASE"
	c.endpoint = get(c.endpointVar)
	if c.endpoint == "" {
		c.endpointVar = "AZURE_OPENAI_ENDPOINT"
		c.endpoint = get(c.endpointVar)
	}
	if c.endpoint == "" {
		return c, fmt.Errorf("missing environment variable AZURE_OPENAI_BASE (from the Service Connector secret) or AZURE_OPENAI_ENDPOINT: set one to the Azure OpenAI endpoint, e.g. https://<account>.openai.azure.com/")
	}
	base, err := v1BaseURL(c.endpoint)
	if err != nil {
		return c, fmt.Errorf("%s=%q is not a valid endpoint: %v", c.endpointVar, c.endpoint, err)
	}
	c.baseURL = base

	c.deployment = get("AZURE_OPENAI_DEPLOYMENT")
	if c.deployment == "" {
		return c, fmt.Errorf("missing environment variable AZURE_OPENAI_DEPLOYMENT: set it to the Azure OpenAI model deployment name")
	}

	// These come from the workload identity mutating webhook; their absence
	// almost always means the pod lacks the azure.workload.identity/use label or
	// its service account lacks the client-id annotation.
	for _, v := range []struct {
		name string
		dst  *string
	}{
		{"AZURE_CLIENT_ID", &c.clientID},
		{"AZURE_TENANT_ID", &c.tenantID},
		{"AZURE_FEDERATED_TOKEN_FILE", &c.tokenFile},
	} {
		*v.dst = get(v.name)
		if *v.dst == "" {
			return c, fmt.Errorf("missing environment variable %s: it is injected by the AKS workload identity webhook; check the pod label azure.workload.identity/use=\"true\" and the service account annotation azure.workload.identity/client-id", v.name)
		}
	}

	// Resolved here rather than left to azidentity, which would read the
	// process environment directly and bypass the injected env (and tests).
	c.authorityHost = get("AZURE_AUTHORITY_HOST")
	if c.authorityHost == "" {
		c.authorityHost = cloud.AzurePublic.ActiveDirectoryAuthorityHost
	}

	retry, err := seconds(env, "AZURE_OPENAI_RETRY_SECONDS", defaultRetrySeconds, 0, maxRetrySeconds)
	if err != nil {
		return c, err
	}
	c.retryBudget = time.Duration(retry) * time.Second

	c.timeoutSecs, err = seconds(env, "AZURE_OPENAI_TIMEOUT_SECONDS", defaultTimeoutSeconds, 1, maxTimeoutSeconds)
	if err != nil {
		return c, err
	}
	c.timeout = time.Duration(c.timeoutSecs) * time.Second
	return c, nil
}

// v1BaseURL insists on https because a bearer token is attached to every
// request, and tolerates endpoints given with or without the /openai/v1 suffix.
func v1BaseURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	if u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("want an https:// URL")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("want no query or fragment")
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, strings.TrimRight(v1Path, "/"))
	u.Path = p + v1Path
	u.RawPath = ""
	return u.String(), nil
}

func seconds(env func(string) string, name string, def, lo, hi int) (int, error) {
	raw := strings.TrimSpace(env(name))
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("invalid %s=%q: want a whole number of seconds from %d to %d", name, raw, lo, hi)
	}
	return n, nil
}
