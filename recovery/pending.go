package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// pending is one operation an interrupted run left in the state: Pulumi
// records it before it calls the provider and clears it when the call
// returns, so it names what was in flight when the CLI died.
type pending struct {
	URN    string         `json:"urn"`
	Type   string         `json:"type"`   // the resource's type token
	Custom bool           `json:"custom"` // false for a component: no provider, no id
	Op     string         `json:"op"`     // creating, updating, deleting, importing
	Inputs map[string]any `json:"inputs"`
}

// stackState is what recovery reads of `pulumi stack export`.
type stackState struct {
	Pending []pending
	// IDs are the provider ids of the resources in the state, by URN.
	IDs map[string]string
}

func parseExport(data []byte) (*stackState, error) {
	var doc struct {
		Deployment struct {
			Resources []struct {
				URN string `json:"urn"`
				ID  string `json:"id"`
			} `json:"resources"`
			Pending []struct {
				Resource struct {
					URN    string         `json:"urn"`
					Type   string         `json:"type"`
					Custom bool           `json:"custom"`
					Inputs map[string]any `json:"inputs"`
				} `json:"resource"`
				Type string `json:"type"`
			} `json:"pending_operations"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading `pulumi stack export`: %w", err)
	}
	st := &stackState{IDs: map[string]string{}}
	for _, r := range doc.Deployment.Resources {
		st.IDs[r.URN] = r.ID
	}
	for _, op := range doc.Deployment.Pending {
		st.Pending = append(st.Pending, pending{URN: op.Resource.URN, Type: op.Resource.Type, Custom: op.Resource.Custom, Op: op.Type, Inputs: op.Resource.Inputs})
	}
	return st, nil
}

var subscriptionInID = regexp.MustCompile(`(?i)^/subscriptions/([0-9a-f-]{36})(/|$)`)

// subscription is the Azure subscription the stack deploys to, read from
// the ids of its Azure resources.
func (st *stackState) subscription() string {
	for _, id := range st.IDs {
		if m := subscriptionInID.FindStringSubmatch(id); m != nil {
			return m[1]
		}
	}
	return ""
}

// armPaths are the ARM ids of the program's Azure types, from their REST
// API paths. azure-native makes a resource's id the same way, by putting
// the inputs into the path (pulumi/pulumi-azure-native provider/pkg/
// provider/crud/crud.go, PrepareAzureRESTIdAndQuery), so a pending create's
// inputs name the id Azure gave it.
var armPaths = map[string]string{
	"resources:ResourceGroup":                     "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}",
	"containerservice:ManagedCluster":             "{rg}/providers/Microsoft.ContainerService/managedClusters/{resourceName}",
	"cognitiveservices:Account":                   "{rg}/providers/Microsoft.CognitiveServices/accounts/{accountName}",
	"cognitiveservices:Deployment":                "{rg}/providers/Microsoft.CognitiveServices/accounts/{accountName}/deployments/{deploymentName}",
	"containerregistry:Registry":                  "{rg}/providers/Microsoft.ContainerRegistry/registries/{registryName}",
	"containerregistry:TaskRun":                   "{rg}/providers/Microsoft.ContainerRegistry/registries/{registryName}/taskRuns/{taskRunName}",
	"managedidentity:UserAssignedIdentity":        "{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
	"managedidentity:FederatedIdentityCredential": "{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/federatedIdentityCredentials/{federatedIdentityCredentialResourceName}",
	"authorization:RoleAssignment":                "/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
	"servicelinker:Linker":                        "/{resourceUri}/providers/Microsoft.ServiceLinker/linkers/{linkerName}",
}

var pathParam = regexp.MustCompile(`\{([A-Za-z]+)\}`)

// resourceID is the provider id a pending create of this type and these
// inputs gets, or an error saying why it cannot be told.
func resourceID(p pending, subscription string) (string, error) {
	parts := strings.Split(p.Type, ":")
	if len(parts) != 3 {
		return "", fmt.Errorf("%s has the type token %q", p.URN, p.Type)
	}
	module := strings.Split(parts[1], "/")[0] // containerregistry/v20230101preview
	switch parts[0] {
	case "azure-native":
		path, ok := armPaths[module+":"+parts[2]]
		if !ok {
			return "", fmt.Errorf("the program has no %s; its ARM id is not known here", p.Type)
		}
		path = strings.Replace(path, "{rg}", "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}", 1)
		var missing []string
		id := pathParam.ReplaceAllStringFunc(path, func(m string) string {
			key := m[1 : len(m)-1]
			v, _ := p.Inputs[key].(string)
			if key == "subscriptionId" {
				v = subscription
			}
			if v == "" {
				missing = append(missing, key)
			}
			return strings.Trim(v, "/")
		})
		if len(missing) == 1 && missing[0] == "subscriptionId" {
			return "", fmt.Errorf("%s: the subscription is not known (no Azure id in the state); set ARM_SUBSCRIPTION_ID or log in with az login", p.URN)
		}
		if len(missing) > 0 {
			return "", fmt.Errorf("%s lacks %s to make its ARM id from", p.URN, strings.Join(missing, ", "))
		}
		return id, nil
	case "kubernetes":
		// The Kubernetes provider's id is <namespace>/<name>, the name
		// alone for a cluster-wide kind.
		meta, _ := p.Inputs["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		if name == "" {
			return "", fmt.Errorf("%s has no metadata.name", p.URN)
		}
		if parts[2] == "Namespace" {
			return name, nil
		}
		ns, _ := meta["namespace"].(string)
		if ns == "" {
			ns = "default"
		}
		return ns + "/" + name, nil
	}
	return "", fmt.Errorf("%s is of package %s, whose ids are not known here", p.URN, parts[0])
}
