package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

const (
	greeting = "Hello, OpenAI!"
	// Entra audience for Azure OpenAI / Cognitive Services data-plane calls.
	scope    = "https://cognitiveservices.azure.com/.default"
	roleName = "Cognitive Services OpenAI User"

	// What propagates mostly arrives within a minute or two but may take up
	// to 10 (retry.go), so early retries are quick and later ones spaced
	// out, never beyond the budget.
	firstBackoff = 5 * time.Second
	maxBackoff   = 30 * time.Second
	replyChars   = 100
)

// deps holds what tests must replace: the network client (to trust local TLS
// fakes), the clock and sleep (so a 600s backoff runs instantly), and the
// termination-log path.
type deps struct {
	httpClient     *http.Client // nil: the libraries' own defaults
	now            func() time.Time
	sleep          func(context.Context, time.Duration) error
	terminationLog string // "" disables
}

func defaultDeps() deps {
	return deps{
		now:            time.Now,
		sleep:          sleepCtx,
		terminationLog: "/dev/termination-log",
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// run is the whole program minus process wiring; it returns the exit code.
func run(ctx context.Context, env func(string) string, stdout, stderr io.Writer, d deps) int {
	fail := func(format string, args ...any) int {
		// Exactly one line: Kubernetes shows the termination message in pod
		// status, and a single line reads cleanly in `kubectl describe`.
		line := "error: " + oneLine(fmt.Sprintf(format, args...))
		fmt.Fprintln(stderr, line)
		writeTerminationLog(d.terminationLog, line)
		return 1
	}

	cfg, err := loadConfig(env)
	if err != nil {
		return fail("%v", err)
	}

	credOpts := &azidentity.WorkloadIdentityCredentialOptions{
		ClientID:                 cfg.clientID,
		TenantID:                 cfg.tenantID,
		TokenFilePath:            cfg.tokenFile,
		DisableInstanceDiscovery: !publicCloudAuthority(cfg.authorityHost),
		ClientOptions: azcore.ClientOptions{
			Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: cfg.authorityHost},
		},
	}
	clientOpts := []option.RequestOption{option.WithBaseURL(cfg.baseURL)}
	if d.httpClient != nil {
		// Guarded: a nil *http.Client inside the Transporter interface is non-nil.
		credOpts.ClientOptions.Transport = d.httpClient
		clientOpts = append(clientOpts, option.WithHTTPClient(d.httpClient))
	}
	cred, err := azidentity.NewWorkloadIdentityCredential(credOpts)
	if err != nil {
		return fail("workload identity: cannot create credential: %v", err)
	}
	// azure.WithEndpoint/WithTokenCredential in openai-go only speak the legacy
	// /openai/deployments/{name}/...?api-version= routes, so the v1 API is used
	// through the plain OpenAI client with the Entra token as bearer key.
	client := openai.NewClient(clientOpts...)

	start := d.now()
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		reply, err := chatOnce(ctx, cfg, cred, client)
		if err == nil {
			fmt.Fprintf(stdout, "Sent: %s\n", greeting)
			fmt.Fprintf(stdout, "Reply: %s\n", truncate(oneLine(reply), replyChars))
			fmt.Fprintln(stdout, "Connect to Azure OpenAI service succeeded.")
			return 0
		}

		elapsed := d.now().Sub(start)
		switch {
		case ctx.Err() != nil:
			return fail("interrupted before Azure OpenAI answered: %v", context.Cause(ctx))
		case errors.Is(err, context.DeadlineExceeded):
			return fail("timeout: request to Azure OpenAI at %s exceeded %ds (AZURE_OPENAI_TIMEOUT_SECONDS)", cfg.endpoint, cfg.timeoutSecs)
		}
		v := classify(cfg, err)
		if v.final != "" {
			return fail("%s", v.final)
		}
		limit := cfg.retryBudget
		if v.window > 0 {
			limit = min(limit, v.window)
		}
		remaining := limit - elapsed
		if remaining <= 0 {
			return fail("%s", v.spent(attempt, elapsed))
		}
		wait := min(backoff, remaining)
		// Progress goes to stderr so stdout stays exactly the success lines.
		fmt.Fprintf(stderr, "retry: %s (attempt %d, %s of %s spent), retrying in %s\n",
			v.waitFor, attempt, elapsed.Round(time.Second), limit, wait)
		if err := d.sleep(ctx, wait); err != nil {
			return fail("interrupted while waiting to retry: %v", err)
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// publicCloudAuthority tells whether host is one of Microsoft Entra ID's
// public authorities. For any other (a private or disconnected cloud, or a
// local stand-in) azidentity must not ask login.microsoftonline.com to
// validate it, which is what its DisableInstanceDiscovery option is for.
func publicCloudAuthority(host string) bool {
	u, err := url.Parse(host)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Hostname()) {
	case "login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn", "login.partner.microsoftonline.cn":
		return true
	}
	return false
}

// tokenError marks failures before any request reached Azure OpenAI, so they
// are never mistaken for (and retried like) an RBAC denial.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// chatOnce is one attempt under the per-request timeout, token included: a
// hung token endpoint must not stall the Job any more than a hung model.
func chatOnce(ctx context.Context, cfg config, cred azcore.TokenCredential, client openai.Client) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	// Fetched per attempt: azidentity caches it and refreshes near expiry.
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", &tokenError{err}
	}
	resp, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		// On the v1 API the deployment name is the model.
		Model:    openai.ChatModel(cfg.deployment),
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(greeting)},
	}, option.WithAPIKey(tok.Token))
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", err
	}
	if len(resp.Choices) == 0 {
		return "", errors.New("Azure OpenAI returned no choices")
	}
	return resp.Choices[0].Message.Content, nil
}

// describeTokenError separates the failures seen in practice: the projected
// service-account token is missing, Entra rejects the exchange (usually a
// federated identity credential whose issuer/subject does not match the
// cluster/service account), or Entra cannot be reached at all.
func describeTokenError(cfg config, err error) string {
	who := fmt.Sprintf("client ID %s, tenant %s", cfg.clientID, cfg.tenantID)
	// azidentity flattens the os.ReadFile error into text, so the path is the
	// reliable signal; errors.Is covers future versions that keep the chain.
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || strings.Contains(err.Error(), cfg.tokenFile) {
		return fmt.Sprintf("workload identity: cannot read the federated token file AZURE_FEDERATED_TOKEN_FILE=%s (is the projected service account token mounted?): %v", cfg.tokenFile, err)
	}
	var authErr *azidentity.AuthenticationFailedError
	if !errors.As(err, &authErr) || authErr.RawResponse == nil {
		return fmt.Sprintf("workload identity: token request to %s failed (%s): %v; check AZURE_AUTHORITY_HOST and network egress to Microsoft Entra ID", cfg.authorityHost, who, err)
	}
	detail := fmt.Sprintf("HTTP %d", authErr.RawResponse.StatusCode)
	if body, rerr := runtime.Payload(authErr.RawResponse); rerr == nil {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(body, &e) == nil && (e.Error != "" || e.Description != "") {
			// Entra appends Trace ID/Correlation ID/Timestamp lines; the first
			// line carries the AADSTS code that explains the failure.
			desc, _, _ := strings.Cut(e.Description, "\n")
			detail += ": " + strings.TrimRight(strings.TrimSpace(e.Error+" "+strings.TrimSpace(desc)), ".")
		}
	}
	return fmt.Sprintf("workload identity: Microsoft Entra ID rejected the federated token exchange (%s): %s; check the managed identity's federated identity credential (issuer = the AKS OIDC issuer URL, subject = system:serviceaccount:<namespace>:<service account>)", who, detail)
}

func serverMessage(e *openai.Error) string {
	if e.Message == "" {
		return ""
	}
	return ": " + strings.TrimRight(truncate(oneLine(e.Message), 300), ".")
}

// writeTerminationLog only writes to an existing file (no O_CREATE) so local
// runs never litter /dev; failures are irrelevant to the outcome.
func writeTerminationLog(path, line string) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return
	}
	_, _ = f.WriteString(line + "\n")
	_ = f.Close()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
