// Package preflight checks, before the program declares any Azure
// resource, that what the config asks for exists and is open to this
// subscription: the region, the model (offered with the SKU, not retired),
// the quota, the Kubernetes version, the VM size and the resource
// providers. It makes plain Azure Resource Manager reads with the
// provider's own token, so that a mistake costs seconds in `pulumi preview`
// instead of minutes after the cluster was created.
//
// Every problem is reported at once, each naming the config key, its
// value, what is available and how to fix it. A read that is forbidden or
// unreachable skips its check with a warning: a Reader-only (or narrower)
// preview identity is not blocked.
package preflight

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"aks-openai-workload-identity/config"
)

// API versions of the reads, from Azure/azure-rest-api-specs (stable).
const (
	apiLocations   = "2022-12-01" // resources: Subscriptions_ListLocations
	apiProviders   = "2021-04-01" // resources: Providers_Get
	apiResources   = "2021-04-01" // resources: Resources_List ($filter on a tag)
	apiCognitive   = "2024-10-01" // cognitiveservices: Models_List, Usages_List, Deployments_Get
	apiAKSVersions = "2024-09-01" // containerservice: ManagedClusters_ListKubernetesVersions
	apiComputeSkus = "2021-07-01" // compute: ResourceSkus_List
)

// retiringSoon is how close a retirement date must be to warn: Azure gives
// at least 60 days' notice before it retires a GA model (Learn, "Azure
// OpenAI model deprecations and retirements", Notifications).
const retiringSoon = 60 * 24 * time.Hour

// Input is what the checks need.
type Input struct {
	// Project and Stack name the config keys and find the stack's own
	// resources (the program tags them project=<Project>, stack=<Stack>).
	Project, Stack string
	Config         *config.Config
	// Endpoint is ARM's base URL (the armEndpoint config key).
	Endpoint string
	// SubscriptionID and Token come from the provider's credentials
	// (getClientConfig, getClientToken).
	SubscriptionID, Token string
	// Client makes the requests (http.DefaultClient when nil); Now is the
	// clock. When nil, the clock is ARM's own (the Date header of its
	// answers, RFC 9110), else time.Now: Azure's dates are compared with
	// Azure's clock, not with the deploying machine's.
	Client *http.Client
	Now    func() time.Time
}

// Result is every problem and warning found, and how long the checks took.
type Result struct {
	Problems []string
	Warnings []string
	Took     time.Duration
}

// Err joins the problems into one error, nil when there are none.
func (r Result) Err() error {
	if len(r.Problems) == 0 {
		return nil
	}
	return fmt.Errorf("preflight found %d problem(s) in %s, before any change (the preflight config key turns these checks off):\n  - %s",
		len(r.Problems), r.Took.Round(time.Millisecond), strings.Join(r.Problems, "\n  - "))
}

// checker is one run of the checks.
type checker struct {
	in  Input
	ctx context.Context
	mu  sync.Mutex
	res Result
	own own
	// armNow is ARM's clock: the Date of its latest answer.
	armNow time.Time
}

func (c *checker) key(k string) string { return c.in.Project + ":" + k }

func (c *checker) problem(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Problems = append(c.res.Problems, fmt.Sprintf(format, args...))
}

func (c *checker) warn(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Warnings = append(c.res.Warnings, fmt.Sprintf(format, args...))
}

// readError is a read that did not answer 200.
type readError struct {
	status int
	code   string
	msg    string
	err    error
}

func (e *readError) Error() string {
	if e.err != nil {
		return "unreachable: " + e.err.Error()
	}
	if e.code != "" {
		return fmt.Sprintf("%d %s: %s", e.status, e.code, e.msg)
	}
	return fmt.Sprintf("HTTP %d", e.status)
}

// get reads path (with its query) from ARM into out.
func (c *checker) get(path string, query url.Values, out any) error {
	u := strings.TrimSuffix(c.in.Endpoint, "/") + path + "?" + query.Encode()
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return &readError{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.in.Token)
	client := c.in.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return &readError{err: err}
	}
	c.sawDate(resp.Header.Get("Date"))
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return &readError{err: err}
	}
	if resp.StatusCode != http.StatusOK {
		var env struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.Unmarshal(body, &env)
		return &readError{status: resp.StatusCode, code: env.Error.Code, msg: env.Error.Message}
	}
	return json.Unmarshal(body, out)
}

// skipped warns that a check could not run, and why.
func (c *checker) skipped(check, read string, err error) {
	why := err.Error()
	var re *readError
	if errors.As(err, &re) && re.status == http.StatusForbidden {
		why = "the deploying identity may not " + read + " (" + why + "); a Reader role on the subscription allows it"
	}
	c.warn("preflight: skipped the %s check: %s", check, why)
}

func (c *checker) sub() string { return "/subscriptions/" + c.in.SubscriptionID }

// sawDate keeps the Date of an ARM answer as ARM's clock.
func (c *checker) sawDate(date string) {
	t, err := http.ParseTime(date)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armNow = t
}

// now is the injected clock, else ARM's, else the machine's.
func (c *checker) now() time.Time {
	if c.in.Now != nil {
		return c.in.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.armNow.IsZero() {
		return c.armNow
	}
	return time.Now()
}

// Run runs every check; reads run in parallel.
func Run(ctx context.Context, in Input) Result {
	start := time.Now()
	c := &checker{in: in, ctx: ctx}
	if !c.firstRead() {
		c.res.Took = time.Since(start)
		return c.res
	}
	var wg sync.WaitGroup
	// The region decides whether the regional checks make sense: in a
	// region that does not exist they would only repeat the problem.
	regionOK := make(chan bool, 1)
	wg.Add(2)
	go func() { defer wg.Done(); regionOK <- c.location() }()
	go func() { defer wg.Done(); c.providers() }()
	if ok := <-regionOK; ok {
		wg.Add(3)
		go func() { defer wg.Done(); c.model() }()
		go func() { defer wg.Done(); c.kubernetesVersion() }()
		go func() { defer wg.Done(); c.vmSize() }()
	}
	wg.Wait()
	// A stable order: the config keys' problems first, by key.
	sort.Strings(c.res.Problems)
	sort.Strings(c.res.Warnings)
	c.res.Took = time.Since(start)
	return c.res
}

// location: the region exists in the subscription; suggests the closest
// names when not. It reports whether the regional checks should run
// (also when the list could not be read).
func (c *checker) location() bool {
	var list struct {
		Value []struct{ Name, DisplayName string } `json:"value"`
	}
	if err := c.get(c.sub()+"/locations", url.Values{"api-version": {apiLocations}}, &list); err != nil {
		c.skipped("region", "list the subscription's locations", err)
		return true
	}
	loc := c.in.Config.Location
	var names []string
	for _, l := range list.Value {
		if strings.EqualFold(l.Name, loc) {
			return true
		}
		names = append(names, l.Name)
	}
	c.problem("config %s: %q is not a region of subscription %s; closest: %s. Use one of the names `az account list-locations -o table` lists (the region-dependent checks were not run)",
		c.key("location"), loc, c.in.SubscriptionID, strings.Join(closest(loc, names, 3), ", "))
	return false
}
