package preflight

import (
	"fmt"
	"strings"
	"time"
)

// A model closed to new deployments still serves the deployments it has
// until its retirement (Learn, "Azure OpenAI model deprecations and
// retirements": deprecated models are not available to new customers or
// deployments, existing ones keep working until retirement; Azure answers
// ServiceModelDeprecating only to a new deployment). So a stack that
// already runs the closed version gets a warning with the date and the
// migration step, and only a change to a closed version is refused.

// runsModel tells whether the stack's deployment runs the configured
// model version with the configured SKU.
func (c *checker) runsModel() bool {
	m := c.in.Config.Model
	for _, d := range c.stack().deployments {
		if d.runs(m.Format, m.Name, m.Version, m.SkuName) {
			return true
		}
	}
	return false
}

// closedButRunning reports the configured model version, closed for why:
// a warning when the stack already runs it (or when its deployment could
// not be read, so the check cannot tell a change from no change), else a
// problem. It tells whether the other model checks should go on.
func (c *checker) closedButRunning(why string, retires time.Time, open []string, fix string) bool {
	m, loc := c.in.Config.Model, c.in.Config.Location
	migrate := fmt.Sprintf("set %s (and %s if needed) to a version that is open: %s; then `pulumi up` updates the deployment in place; %s",
		c.key("modelVersion"), c.key("modelName"), strings.Join(open, "; "), fix)
	until := "until its retirement (Azure lists no date yet)"
	if !retires.IsZero() {
		until = "until its retirement on " + retires.Format("2006-01-02")
		if !c.now().Before(retires) {
			until = "until its retirement on " + retires.Format("2006-01-02") + ", which has passed: migrate now"
		}
	}
	switch {
	case c.runsModel():
		c.warn("preflight: config %s: %s %s is closed to new deployments in %s (%s); this stack's deployment %s runs it, and Azure keeps serving it %s. Migrate before then: %s",
			c.key("modelVersion"), m.Name, m.Version, loc, why, m.DeploymentName, until, migrate)
		return true
	case c.stack().deploymentsErr != nil:
		c.warn("preflight: config %s: %s %s is closed to new deployments in %s (%s), and whether this stack already runs it could not be read (%v), so it is not refused here: a new deployment of it fails at `up`, an existing one keeps serving %s. To be safe: %s",
			c.key("modelVersion"), m.Name, m.Version, loc, why, c.stack().deploymentsErr, until, migrate)
		return true
	}
	c.problem("config %s: %s %s is closed to new deployments in %s: %s. Pick a version that is open: %s; %s",
		c.key("modelVersion"), m.Name, m.Version, loc, why, strings.Join(open, "; "), fix)
	return false
}
