// Package mocks is a Pulumi mock monitor that behaves like azure-native and
// the Kubernetes provider for this program's resource types: it returns the
// computed outputs the real providers return (ARM-shaped ids, issuer URL,
// identity ids, OpenAI endpoint, login server, ACR run result) and records
// every registration with its provider, parent and dependencies.
package mocks

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// Subscription and tenant the mock Azure reports.
const (
	SubscriptionID = "00000000-0000-0000-0000-00000000aaaa"
	TenantID       = "00000000-0000-0000-0000-00000000bbbb"
	Kubeconfig     = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://aks.invalid'}\nusers:\n- name: u\n  user: {token: static-local-account}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n"
	ImageDigest    = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// Mocks records registrations and answers like the real providers.
type Mocks struct {
	// RunStatus is the ACR run's status (default Succeeded).
	RunStatus string
	// BeforeCreate, when set, is called with each type token before the
	// resource is created: a test can hold one resource back and watch what
	// the program does meanwhile.
	BeforeCreate func(typeToken string)
	// LastRun is what getTaskRun returns: the run Azure holds from a
	// previous `up`; nil answers 404, as for a new registry.
	LastRun resource.PropertyMap
	// Running is what getAccount and getDeployment (by token) return: the
	// account and deployment Azure runs; none answers 404, as for a new
	// stack.
	Running map[string]resource.PropertyMap
	// RunningErr, when set, is how both reads fail (a throttled or
	// forbidden ARM read).
	RunningErr error

	mu    sync.Mutex
	regs  []Registration
	calls []Call
}

// NewResource implements pulumi.MockResourceMonitor.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if m.BeforeCreate != nil {
		m.BeforeCreate(args.TypeToken)
	}
	in := args.Inputs
	out := in.Copy()
	id := args.Name + "-id"
	if args.Custom && strings.HasPrefix(args.TypeToken, "azure-native:") {
		// azure-native's types answer from the stand-in's kind table:
		// its Check (schema, name rules, static rules), auto-name and ARM
		// id; what Check refuses fails the run, as it fails `pulumi up`.
		md, err := standin.Model(args.TypeToken, args.Name, []byte(args.Name), in)
		if err != nil {
			return "", nil, err
		}
		id, out = md.ID, md.Inputs.Copy()
		out["name"] = resource.NewProperty(md.Name)
		out["type"] = resource.NewProperty(md.ARMType)
		m.computed(md, out)
	}

	reg := Registration{
		Type: args.TypeToken, Name: args.Name, Provider: args.Provider, Custom: args.Custom,
		ID: id, Inputs: in, Outputs: out,
	}
	if rpc := args.RegisterRPC; rpc != nil {
		reg.Parent = rpc.GetParent()
		reg.Version = rpc.GetVersion()
		reg.Dependencies = rpc.GetDependencies()
		reg.ReplaceOnChanges = rpc.GetReplaceOnChanges()
		reg.Protect = rpc.GetProtect()
		if t := rpc.GetCustomTimeouts(); t != nil {
			reg.CreateTimeout = t.GetCreate()
		}
		reg.ErrorHooks = rpc.GetHooks().GetOnError()
		reg.Aliases = rpc.GetAliases()
	}
	m.mu.Lock()
	m.regs = append(m.regs, reg)
	m.mu.Unlock()
	return id, out, nil
}

// Call implements pulumi.MockResourceMonitor.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.calls = append(m.calls, Call{Token: args.Token, Provider: args.Provider, Args: args.Args})
	m.mu.Unlock()
	if err := standin.ModelInvoke(args.Token, args.Args); err != nil {
		return nil, err
	}
	switch args.Token {
	case "azure-native:authorization:getClientConfig":
		return resource.PropertyMap{
			"subscriptionId": resource.NewProperty(SubscriptionID),
			"tenantId":       resource.NewProperty(TenantID),
			"clientId":       resource.NewProperty(uuidFor("deployer", "client")),
			"objectId":       resource.NewProperty(uuidFor("deployer", "object")),
		}, nil
	case "azure-native:authorization:getClientToken":
		return clientToken(args.Args), nil
	case "azure-native:containerservice:listManagedClusterUserCredentials", "azure-native:containerservice/v20240901:listManagedClusterUserCredentials":
		return resource.PropertyMap{"kubeconfigs": resource.NewProperty([]resource.PropertyValue{
			resource.NewProperty(resource.PropertyMap{
				"name":  resource.NewProperty("clusterUser"),
				"value": resource.NewProperty(base64.StdEncoding.EncodeToString([]byte(Kubeconfig))),
			}),
		})}, nil
	case "azure-native:cognitiveservices:getAccount", "azure-native:cognitiveservices:getDeployment":
		// What Azure runs: nothing yet, unless the test says.
		if m.RunningErr != nil {
			return nil, m.RunningErr
		}
		if live, ok := m.Running[args.Token]; ok {
			return live, nil
		}
		return nil, fmt.Errorf(`Status=404 Code="ResourceNotFound" Message="The Resource '%s' was not found."`, str(args.Args, "accountName"))
	case "azure-native:containerregistry:getTaskRun":
		if m.LastRun == nil {
			return nil, fmt.Errorf(`Status=404 Code="ResourceNotFound" Message="The Resource 'Microsoft.ContainerRegistry/registries/taskRuns/%s' was not found."`, str(args.Args, "taskRunName"))
		}
		return m.LastRun, nil
	}
	return nil, fmt.Errorf("mock: no invoke %s", args.Token)
}

var pushPattern = regexp.MustCompile(`(?m)^\s*- \{\{\.Run\.Registry\}\}/([^:\s]+):(\S+)\s*$`)

// runResult reads the image the encoded task pushes, as ACR would run it.
func (m *Mocks) runResult(in resource.PropertyMap) resource.PropertyMap {
	status := m.RunStatus
	if status == "" {
		status = "Succeeded"
	}
	result := resource.PropertyMap{
		"runId":  resource.NewProperty("ca1"),
		"status": resource.NewProperty(status),
	}
	if status != "Succeeded" {
		result["runErrorMessage"] = resource.NewProperty("failed to build step build")
		return result
	}
	req, _ := in["runRequest"].V.(resource.PropertyMap)
	task, _ := base64.StdEncoding.DecodeString(str(req, "encodedTaskContent"))
	var images []resource.PropertyValue
	for _, mt := range pushPattern.FindAllStringSubmatch(string(task), -1) {
		images = append(images, resource.NewProperty(resource.PropertyMap{
			"registry":   resource.NewProperty(str(in, "registryName") + ".azurecr.io"),
			"repository": resource.NewProperty(mt[1]),
			"tag":        resource.NewProperty(mt[2]),
			"digest":     resource.NewProperty(ImageDigest),
		}))
	}
	result["outputImages"] = resource.NewProperty(images)
	return result
}

func str(m resource.PropertyMap, key string) string {
	if v, ok := m[resource.PropertyKey(key)]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

// uuidFor makes a stable, GUID-shaped id from its parts.
func uuidFor(parts ...string) string {
	h := uint64(1469598103934665603)
	for _, p := range strings.Join(parts, "/") {
		h ^= uint64(p)
		h *= 1099511628211
	}
	s := fmt.Sprintf("%016x%016x", h, h*31+7)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}
