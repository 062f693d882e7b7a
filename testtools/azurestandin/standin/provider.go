// Package standin is a local stand-in for Azure behind the azure-native
// Pulumi provider: a resource provider server that keeps Azure's resources
// in a JSON state file, checks inputs and answers like ARM, and emulates
// Service Connector. See README.md.
package standin

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// DefaultVersion is the azure-native version reported when neither
// AZURE_STANDIN_VERSION nor the plugin's directory names one.
const DefaultVersion = "2.92.0"

// Provider serves pulumirpc.ResourceProviderServer as azure-native.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	Store   Store
	Version string
	// Getenv reads the knobs (os.Getenv by default); tests replace it.
	Getenv func(string) string
	// NewKube makes the cluster client for Service Connector's objects;
	// by default a RESTKube on AZURE_STANDIN_KUBECONFIG.
	NewKube func() (Kube, error)
	Now     func() time.Time

	mu       sync.Mutex
	location string
	wg       sync.WaitGroup
}

// New makes a provider from the environment.
func New() *Provider {
	return &Provider{
		Store:   Store{Dir: os.Getenv(EnvState)},
		Version: PluginVersion(),
		Getenv:  os.Getenv,
	}
}

// PluginVersion is AZURE_STANDIN_VERSION, else the version in the plugin's
// directory name (~/.pulumi/plugins/resource-azure-native-v2.90.0/), else
// DefaultVersion.
func PluginVersion() string {
	if v := os.Getenv(EnvVersion); v != "" {
		return strings.TrimPrefix(v, "v")
	}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Base(filepath.Dir(exe))
		if _, v, ok := strings.Cut(dir, "resource-azure-native-v"); ok && v != "" {
			return v
		}
	}
	return DefaultVersion
}

// Wait blocks until Service Connector's pending cluster work is done, or
// the timeout passes.
func (p *Provider) Wait(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

func (p *Provider) env(k string) string {
	if p.Getenv == nil {
		return os.Getenv(k)
	}
	return p.Getenv(k)
}

func (p *Provider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Provider) faults() []fault {
	f, _ := parseFaults(p.env(EnvFaults))
	return f
}

func (p *Provider) kube() (Kube, error) {
	if p.NewKube != nil {
		return p.NewKube()
	}
	return NewRESTKube(p.env(EnvKubeconfig))
}

// log appends one line per call to AZURE_STANDIN_LOG.
func (p *Provider) log(method, typ, name string, dur time.Duration, result string) {
	start := p.now().Add(-dur).UTC().Format(time.RFC3339Nano)
	logLine(p.env(EnvLog), fmt.Sprintf("%s version=%s pid=%d method=%s type=%s name=%s dur=%s result=%s",
		start, p.Version, os.Getpid(), method, typ, name, dur.Round(time.Millisecond), strings.ReplaceAll(result, "\n", " ")))
}

func (p *Provider) logged(method, typ, name string, errp *error) func() {
	start := p.now()
	return func() {
		result := "ok"
		if *errp != nil {
			result = "error: " + (*errp).Error()
		}
		p.log(method, typ, name, p.now().Sub(start), result)
	}
}

// --- Invoke ----------------------------------------------------------------------

// Invoke serves getClientConfig, the cluster credential functions and
// getTaskRun.
func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (resp *pulumirpc.InvokeResponse, err error) {
	tok := req.GetTok()
	args, err := unmarshal(req.GetArgs(), plainOpts)
	if err != nil {
		return nil, err
	}
	defer p.logged("Invoke", tok, gets(args, "resourceName"), &err)()
	p.azureChanges()
	var ret resource.PropertyMap
	if fn, ok := schema.Functions[tok]; ok {
		var failures []*pulumirpc.CheckFailure
		for _, f := range validate(fn, args, "") {
			failures = append(failures, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
		}
		if len(failures) > 0 {
			return &pulumirpc.InvokeResponse{Failures: failures}, nil
		}
	}
	switch tok {
	case "azure-native:authorization:getClientConfig":
		ret = resource.PropertyMap{
			"subscriptionId": str(Subscription()), "tenantId": str(TenantID),
			"clientId": str(ClientID), "objectId": str(ObjectID),
		}
	case "azure-native:authorization:getClientToken":
		if err = p.fault("getClientToken", "invoke"); err != nil {
			return nil, err
		}
		if ret, err = p.clientToken(args); err != nil {
			return nil, err
		}
	case "azure-native:containerservice:listManagedClusterUserCredentials", "azure-native:containerservice:listManagedClusterAdminCredentials",
		"azure-native:containerservice/v20240901:listManagedClusterUserCredentials", "azure-native:containerservice/v20240901:listManagedClusterAdminCredentials":
		if ret, err = p.credentials(tok, args); err != nil {
			return nil, err
		}
	case "azure-native:cognitiveservices:getAccount", "azure-native:cognitiveservices:getDeployment":
		k := kinds["azure-native:cognitiveservices:Account"]
		if strings.HasSuffix(tok, "getDeployment") {
			k = kinds["azure-native:cognitiveservices:Deployment"]
		}
		if ret, err = p.getResource(tok, k, args); err != nil {
			return nil, err
		}
	case "azure-native:containerregistry:getTaskRun":
		if ret, err = p.getResource(tok, kinds["azure-native:containerregistry:TaskRun"], args); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("the Azure stand-in does not support function %s", tok)
	}
	out, err := marshal(ret, plainOpts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: out}, nil
}

// getResource is an ARM GET of the resource the args name: its outputs,
// or 404 as ARM answers for a missing group, parent or resource.
func (p *Provider) getResource(tok string, k *kind, args resource.PropertyMap) (resource.PropertyMap, error) {
	id := k.id(args)
	if err := p.authorize(k.actionType()+"/read", id, ""); err != nil {
		return nil, err
	}
	if err := p.fault(ShortType(tok), "invoke"); err != nil {
		return nil, err
	}
	var obj *Object
	err := p.Store.View(func(s *State) error {
		if rg := gets(args, "resourceGroupName"); s.Get(rgID(rg)) == nil {
			return armErr(404, "ResourceGroupNotFound", "Resource group '%s' could not be found.", rg)
		}
		if k.parent != nil {
			if pid, perr := k.parent(args); s.Get(pid) == nil {
				return perr
			}
		}
		if obj = s.Get(id); obj == nil {
			return notFound(id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := fromState(obj.Outputs)
	out["id"] = str(obj.ID)
	return out, nil
}

func (p *Provider) credentials(tok string, args resource.PropertyMap) (resource.PropertyMap, error) {
	rg, name := gets(args, "resourceGroupName"), gets(args, "resourceName")
	id := inRG("Microsoft.ContainerService/managedClusters", "resourceName")(args)
	// POST .../listClusterUserCredential (or ...Admin...), an action of its own.
	action := "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action"
	if strings.HasSuffix(tok, "AdminCredentials") {
		action = "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action"
	}
	if err := p.authorize(action, id, ""); err != nil {
		return nil, err
	}
	if err := p.fault(ShortType(tok), "invoke"); err != nil {
		return nil, err
	}
	var cluster *Object
	err := p.Store.View(func(s *State) error {
		if s.Get(rgID(rg)) == nil {
			return armErr(404, "ResourceGroupNotFound", "Resource group '%s' could not be found.", rg)
		}
		if cluster = s.Get(id); cluster == nil {
			return notFound(id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if admin := strings.HasSuffix(tok, "AdminCredentials"); admin {
		if local, _ := getb(fromState(cluster.Inputs), "disableLocalAccounts"); local {
			return nil, armErr(400, "BadRequest", "Getting static credential is not allowed because this cluster is set to disable local accounts.")
		}
	}
	path := p.env(EnvKubeconfig)
	if path == "" {
		return nil, errors.New(EnvKubeconfig + " is not set: the stand-in has no kubeconfig to return for cluster " + name)
	}
	data, err := userKubeconfig(path, cluster, name)
	if err != nil {
		return nil, fmt.Errorf("reading the cluster's kubeconfig (%s): %w", EnvKubeconfig, err)
	}
	credName := "clusterUser"
	if strings.HasSuffix(tok, "AdminCredentials") {
		credName = "clusterAdmin"
	}
	return resource.PropertyMap{"kubeconfigs": resource.NewArrayProperty([]resource.PropertyValue{
		resource.NewObjectProperty(resource.PropertyMap{
			"name":  str(credName),
			"value": str(base64.StdEncoding.EncodeToString(data)),
		}),
	})}, nil
}
