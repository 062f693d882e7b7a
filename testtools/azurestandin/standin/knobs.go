package standin

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environment knobs; see README.md.
const (
	EnvState        = "AZURE_STANDIN_STATE"
	EnvVersion      = "AZURE_STANDIN_VERSION"
	EnvLog          = "AZURE_STANDIN_LOG"
	EnvLatency      = "AZURE_STANDIN_LATENCY"
	EnvFaults       = "AZURE_STANDIN_FAULTS"
	EnvKubeconfig   = "AZURE_STANDIN_KUBECONFIG"
	EnvOIDCIssuer   = "AZURE_STANDIN_OIDC_ISSUER"
	EnvDataplaneURL = "AZURE_STANDIN_DATAPLANE_URL"
	EnvSCDelay      = "AZURE_STANDIN_SC_DELAY"
	EnvSoftDelete   = "AZURE_STANDIN_SOFT_DELETE"
	EnvFreeTrial    = "AZURE_STANDIN_FREE_TRIAL"
	// EnvUnregisteredProviders lists resource provider namespaces the
	// subscription is not registered with (comma-separated).
	EnvUnregisteredProviders = "AZURE_STANDIN_UNREGISTERED_PROVIDERS"
	// EnvClusterBusy keeps a cluster busy with a background operation this
	// long after each create or update.
	EnvClusterBusy = "AZURE_STANDIN_CLUSTER_BUSY"
	// EnvPrincipalDelay is how long a new principal takes to replicate to
	// where role assignments look it up.
	EnvPrincipalDelay = "AZURE_STANDIN_PRINCIPAL_DELAY"
	// EnvAccountAccepted keeps a new OpenAI account Accepted, as writes
	// that depend on it see it, this long after its create.
	EnvAccountAccepted = "AZURE_STANDIN_ACCOUNT_ACCEPTED"
	// EnvSCExtensionInstall is how long Service Connector's first link on a
	// cluster takes to install its cluster extension.
	EnvSCExtensionInstall = "AZURE_STANDIN_SC_EXTENSION_INSTALL"
)

// Fixed identities of the emulated tenant, as getClientConfig reports them.
const (
	SubscriptionID = "00000000-0000-0000-0000-00000000aaaa"
	TenantID       = "00000000-0000-0000-0000-00000000bbbb"
	ClientID       = "00000000-0000-0000-0000-00000000cccc"
	ObjectID       = "00000000-0000-0000-0000-00000000dddd"
)

// Role definition ids (GUIDs) of the built-in roles the stand-in knows.
const (
	RoleOpenAIUser        = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
	RoleOpenAIContributor = "a001fd3d-188f-4b5d-821b-7da978bf7442"
)

// ARMError is an error as ARM returns it, formatted as azure-native shows it.
type ARMError struct {
	Status  int
	Code    string
	Message string
}

func (e *ARMError) Error() string {
	return fmt.Sprintf("Status=%d Code=%q Message=%q", e.Status, e.Code, e.Message)
}

func armErr(status int, code, format string, args ...any) *ARMError {
	return &ARMError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// fault is one AZURE_STANDIN_FAULTS rule: "<Type>:<op>[:<n>]=<value>".
type fault struct {
	typ, op string
	// nth is the 1-based occurrence the rule hits; 0 means every one.
	nth   int
	value string
}

func parseFaults(spec string) ([]fault, error) {
	var out []fault
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lhs, value, ok := strings.Cut(part, "=")
		f := strings.Split(lhs, ":")
		if !ok || len(f) < 2 || len(f) > 3 || value == "" {
			return nil, fmt.Errorf("%s: %q is not <Type>:<op>[:<n>]=<value>", EnvFaults, part)
		}
		r := fault{typ: f[0], op: strings.ToLower(f[1]), value: value}
		if len(f) == 3 {
			n, err := strconv.Atoi(f[2])
			if err != nil || n < 1 {
				return nil, fmt.Errorf("%s: %q: occurrence %q is not a whole number from 1", EnvFaults, part, f[2])
			}
			r.nth = n
		}
		out = append(out, r)
	}
	return out, nil
}

// faultFor counts one occurrence of typ:op in the state and returns the
// value of the rule it hits, if any. Only operations some rule names are
// counted, so the state stays tidy.
func faultFor(rules []fault, s *State, typ, op string) (string, bool) {
	var hit []fault
	for _, r := range rules {
		if r.typ == typ && r.op == op {
			hit = append(hit, r)
		}
	}
	if len(hit) == 0 {
		return "", false
	}
	n := s.Count("fault:" + typ + ":" + op)
	for _, r := range hit {
		if r.nth == 0 || r.nth == n {
			return r.value, true
		}
	}
	return "", false
}

// statusFault turns a fault value "409" or "409/SomeCode" into an ARM error.
func statusFault(typ, op, value string) error {
	code := ""
	num, c, ok := strings.Cut(value, "/")
	if ok {
		code = c
	}
	status, err := strconv.Atoi(num)
	if err != nil {
		return fmt.Errorf("%s: %s:%s=%s: the value must be an HTTP status such as 409 or 409/Conflict", EnvFaults, typ, op, value)
	}
	if code == "" {
		code = strings.ReplaceAll(http.StatusText(status), " ", "")
		if status == http.StatusTooManyRequests {
			code = "TooManyRequests"
		}
	}
	return armErr(status, code, "Injected fault (%s): the %s of %s failed.", EnvFaults, op, typ)
}

// latencies parses "ManagedCluster=3s,TaskRun=1s".
func latencies(spec string) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		typ, d, ok := strings.Cut(part, "=")
		dur, err := time.ParseDuration(d)
		if !ok || err != nil {
			return nil, fmt.Errorf("%s: %q is not <Type>=<duration>", EnvLatency, part)
		}
		out[typ] = dur
	}
	return out, nil
}

// unregistered reports whether the subscription is not registered with a
// resource provider namespace (AZURE_STANDIN_UNREGISTERED_PROVIDERS).
func (p *Provider) unregistered(namespace string) bool {
	for _, ns := range strings.Split(p.env(EnvUnregisteredProviders), ",") {
		if strings.EqualFold(strings.TrimSpace(ns), namespace) {
			return true
		}
	}
	return false
}

// missingRegistration is ARM's answer for a namespace the subscription is
// not registered with.
func missingRegistration(namespace string) *ARMError {
	return armErr(409, "MissingSubscriptionRegistration", "The subscription is not registered to use namespace '%s'. See https://aka.ms/rps-not-found for how to register subscriptions.", namespace)
}

// durationKnob parses a duration knob; unset or malformed is zero.
func (p *Provider) durationKnob(name string) time.Duration {
	d, err := time.ParseDuration(p.env(name))
	if err != nil {
		return 0
	}
	return d
}

// logLine appends one line to the AZURE_STANDIN_LOG file, if set.
func logLine(path, line string) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	_, _ = f.WriteString(line + "\n")
	_ = f.Close()
}
