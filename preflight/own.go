package preflight

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
)

// API version of the cluster read: containerservice ManagedClusters_Get,
// the same as the versions list.
const apiAKSCluster = apiAKSVersions

// What the stack already runs in Azure, found by the tags the program puts
// on everything (project=<Project>, stack=<Stack>) and read once per run:
// the checks judge a value the stack already runs differently from a
// change to it (Azure keeps serving what it has deployed, and refuses only
// new deployments of what it closed).
type own struct {
	once sync.Once
	// deployments and cluster are nil on a new stack; deploymentsErr and
	// clusterErr say why they could not be read.
	deployments                []ownDeployment
	cluster                    *ownCluster
	deploymentsErr, clusterErr error
}

// ownDeployment is the stack's model deployment, as ARM reports it.
type ownDeployment struct {
	Sku struct {
		Name     string
		Capacity int
	}
	Properties struct {
		Model struct{ Format, Name, Version string }
	}
}

// ownCluster is the stack's AKS cluster, as ARM reports it
// (ManagedCluster: properties.kubernetesVersion is the version asked for,
// currentKubernetesVersion the one running).
type ownCluster struct {
	Name       string
	Properties struct {
		KubernetesVersion, CurrentKubernetesVersion string
		AgentPoolProfiles                           []struct {
			Name, VMSize string
			Count        int
		}
	}
}

// runs tells whether the stack's deployment runs this model version with
// this SKU.
func (d ownDeployment) runs(format, name, version, sku string) bool {
	m := d.Properties.Model
	return strings.EqualFold(m.Format, format) && m.Name == name && m.Version == version && strings.EqualFold(d.Sku.Name, sku)
}

// pool is the cluster's node pool the program declares (its only one).
func (o *ownCluster) pool() (vmSize string, count int, ok bool) {
	for _, p := range o.Properties.AgentPoolProfiles {
		if p.Name == "system" {
			return p.VMSize, p.Count, true
		}
	}
	return "", 0, false
}

// runsVersion tells whether the cluster asks for or runs version v.
func (o *ownCluster) runsVersion(v string) bool {
	return o.Properties.KubernetesVersion == v || o.Properties.CurrentKubernetesVersion == v
}

// stack reads what the stack runs: its tagged resources in the configured
// region, then its deployment (by the configured name) and its cluster.
func (c *checker) stack() *own {
	c.own.once.Do(c.readStack)
	return &c.own
}

func (c *checker) readStack() {
	var res struct {
		Value []struct {
			ID, Type, Location string
			Tags               map[string]string
		}
	}
	q := url.Values{"api-version": {apiResources}, "$filter": {fmt.Sprintf("tagName eq 'project' and tagValue eq '%s'", c.in.Project)}}
	if err := c.get(c.sub()+"/resources", q, &res); err != nil {
		c.own.deploymentsErr, c.own.clusterErr = err, err
		return
	}
	for _, r := range res.Value {
		if r.Tags["stack"] != c.in.Stack || !strings.EqualFold(r.Location, c.in.Config.Location) {
			continue
		}
		switch {
		case strings.EqualFold(r.Type, "Microsoft.CognitiveServices/accounts"):
			var d ownDeployment
			err := c.get(r.ID+"/deployments/"+url.PathEscape(c.in.Config.Model.DeploymentName), url.Values{"api-version": {apiCognitive}}, &d)
			var re *readError
			if err != nil && asReadError(err, &re) && re.status == 404 {
				continue
			}
			if err != nil {
				c.own.deploymentsErr = err
				continue
			}
			c.own.deployments = append(c.own.deployments, d)
		case strings.EqualFold(r.Type, "Microsoft.ContainerService/managedClusters"):
			var cl ownCluster
			if err := c.get(r.ID, url.Values{"api-version": {apiAKSCluster}}, &cl); err != nil {
				c.own.clusterErr = err
				continue
			}
			c.own.cluster = &cl
		}
	}
}
