package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/openai/openai-go/v3"
)

// Only answers a source shows to heal by themselves are retried, each for
// as long as its source says, and never past the budget:
//   - Entra's AADSTS70021 while a new federated credential propagates
//     ("Time for federated credential changes to propagate", Microsoft
//     Entra workload identity federation considerations: minutes);
//   - Entra's AADSTS700213, word for word its answer for a subject no
//     credential has, which users meet on credentials made minutes before
//     (Azure/azure-workload-identity#1200) and now and then on settled ones
//     (kedacore/keda#8152): retried too, and when the budget is spent the
//     error says the subject may simply be wrong;
//   - Azure OpenAI's 401 PermissionDenied while a new role assignment
//     propagates (Learn, "Troubleshoot Azure RBAC": up to 10 minutes);
//   - Azure OpenAI's 404 DeploymentNotFound, whose own message asks to wait
//     when the deployment was created "within the last 5 minutes".
//
// A subject that differs only in case (7002138), an unknown issuer or
// audience, an unknown client, a rejected key (AuthenticationTypeDisabled)
// or a bad token never heal by waiting.
const (
	credentialPropagating = "70021"
	subjectNotFound       = "700213"
	roleMissing           = "PermissionDenied"
	deploymentNotFound    = "DeploymentNotFound"
	// The deployment's window counts from the run's start, after the
	// deployment was made: an upper bound of its 5 minutes.
	deploymentWindow = 5 * time.Minute
)

// verdict is what one failed attempt means.
type verdict struct {
	// final, when set, is the error line: waiting does not heal this.
	final string
	// waitFor says what a retry waits for.
	waitFor string
	// window bounds the retries from the run's start, below the budget;
	// 0 is the whole budget.
	window time.Duration
	// spent is the error line once the window is over.
	spent func(attempts int, elapsed time.Duration) string
}

func classify(cfg config, err error) verdict {
	var tokErr *tokenError
	var apiErr *openai.Error
	code := ""
	if errors.As(err, &tokErr) {
		code = aadstsCode(tokErr.err)
	}
	switch {
	case tokErr != nil && code == credentialPropagating:
		return verdict{
			waitFor: "Microsoft Entra ID answered AADSTS" + credentialPropagating + "; a new federated identity credential may still be propagating",
			spent: func(n int, el time.Duration) string {
				return fmt.Sprintf("%s, still after %d attempt(s) over %s (a new federated identity credential takes minutes to reach every Entra replica)",
					describeTokenError(cfg, tokErr.err), n, el.Round(time.Second))
			},
		}
	case tokErr != nil && code == subjectNotFound:
		subject := expectedSubject(cfg.tokenFile)
		return verdict{
			waitFor: "Microsoft Entra ID answered AADSTS" + subjectNotFound + "; a new federated identity credential may still be propagating (or its subject is not " + subject + ")",
			spent: func(n int, el time.Duration) string {
				return fmt.Sprintf("%s, still after %d attempt(s) over %s; a new credential answers this while it propagates, but by now the subject may simply be wrong: the credential's subject must be exactly %s",
					describeTokenError(cfg, tokErr.err), n, el.Round(time.Second), subject)
			},
		}
	case tokErr != nil:
		return verdict{final: describeTokenError(cfg, tokErr.err)}
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound && apiErr.Code == deploymentNotFound:
		return verdict{
			waitFor: fmt.Sprintf("Azure OpenAI answered 404 %s for deployment %q; a new model deployment answers this for its first %s", deploymentNotFound, cfg.deployment, deploymentWindow),
			window:  deploymentWindow,
			spent: func(n int, el time.Duration) string {
				return fmt.Sprintf("Azure OpenAI returned 404 %s: deployment %q not found at %s, still after %d attempt(s) over %s%s; check AZURE_OPENAI_DEPLOYMENT against the account's model deployments (a new one answers within %s)",
					deploymentNotFound, cfg.deployment, cfg.endpoint, n, el.Round(time.Second), serverMessage(apiErr), deploymentWindow)
			},
		}
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound:
		return verdict{final: fmt.Sprintf("Azure OpenAI returned 404: deployment %q not found at %s; check AZURE_OPENAI_DEPLOYMENT against the account's model deployments%s",
			cfg.deployment, cfg.endpoint, serverMessage(apiErr))}
	case errors.As(err, &apiErr) && apiErr.Code == roleMissing:
		return verdict{
			waitFor: fmt.Sprintf("Azure OpenAI returned %d %s; a new role assignment may still be propagating", apiErr.StatusCode, apiErr.Code),
			spent: func(n int, el time.Duration) string {
				return fmt.Sprintf("Azure OpenAI returned %d %s after %d attempt(s) over %s%s; grant the workload identity (client ID %s) the %q role on the Azure OpenAI account (role assignments can take up to 10 minutes to apply)",
					apiErr.StatusCode, apiErr.Code, n, el.Round(time.Second), serverMessage(apiErr), cfg.clientID, roleName)
			},
		}
	case errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden):
		return verdict{final: fmt.Sprintf("Azure OpenAI returned %d %s%s; it did not accept the Entra token of client ID %s for %s",
			apiErr.StatusCode, http.StatusText(apiErr.StatusCode), serverMessage(apiErr), cfg.clientID, scope)}
	case errors.As(err, &apiErr):
		return verdict{final: fmt.Sprintf("Azure OpenAI returned %d %s%s", apiErr.StatusCode, http.StatusText(apiErr.StatusCode), serverMessage(apiErr))}
	default:
		return verdict{final: fmt.Sprintf("cannot reach Azure OpenAI at %s: %v", cfg.endpoint, err)}
	}
}

var aadsts = regexp.MustCompile(`\bAADSTS(\d+)\b`)

// aadstsCode is the AADSTS number of an Entra token error, "" if none.
func aadstsCode(err error) string {
	var authErr *azidentity.AuthenticationFailedError
	if !errors.As(err, &authErr) || authErr.RawResponse == nil {
		return ""
	}
	body, rerr := runtime.Payload(authErr.RawResponse)
	if rerr != nil {
		return ""
	}
	var e struct {
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	if m := aadsts.FindStringSubmatch(e.Description); m != nil {
		return m[1]
	}
	return ""
}

// expectedSubject is the subject the federated credential must have: the
// `sub` of the projected service account token this pod presents, which
// is system:serviceaccount:<namespace>:<service account>. The token is
// only read, not verified: Entra does that.
func expectedSubject(tokenFile string) string {
	const unknown = "system:serviceaccount:<namespace>:<service account>"
	raw, err := os.ReadFile(tokenFile)
	if err != nil {
		return unknown
	}
	parts := strings.Split(strings.TrimSpace(string(raw)), ".")
	if len(parts) != 3 {
		return unknown
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return unknown
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(payload, &claims) != nil || !strings.HasPrefix(claims.Sub, "system:serviceaccount:") {
		return unknown
	}
	return claims.Sub
}
