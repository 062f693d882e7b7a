package standin

import (
	"fmt"
	"strings"
)

// Kubernetes requests to a cluster with Azure RBAC are authorized as data
// actions of the cluster (Learn, "Use Azure role-based access control for
// Kubernetes Authorization", aks/manage-azure-rbac; the actions' names as
// the built-in AKS RBAC roles list them: Learn, "Azure built-in roles for
// Containers").

// KubeRequest is what a SubjectAccessReview asks about a resource.
type KubeRequest struct {
	Verb, Group, Resource, Subresource, Namespace string
}

// DataAction is the request's data action:
// Microsoft.ContainerService/managedClusters/[<group>/]<resource>[/<subresource>]/<read|write|delete|<verb>/action>.
// get, list and watch read; create, update and patch write; delete and
// deletecollection delete; any other verb (impersonate, bind, escalate, use)
// is an action of its own, as the built-in roles' "pods/exec/action" and
// "serviceaccounts/impersonate/action" show.
func (r KubeRequest) DataAction() string {
	var b strings.Builder
	b.WriteString("Microsoft.ContainerService/managedClusters/")
	if r.Group != "" {
		b.WriteString(r.Group + "/")
	}
	b.WriteString(r.Resource)
	if r.Subresource != "" {
		b.WriteString("/" + r.Subresource)
	}
	switch r.Verb {
	case "get", "list", "watch":
		b.WriteString("/read")
	case "create", "update", "patch":
		b.WriteString("/write")
	case "delete", "deletecollection":
		b.WriteString("/delete")
	default:
		b.WriteString("/" + r.Verb + "/action")
	}
	return b.String()
}

// Scope is the ARM scope the request concerns on cluster clusterID: the
// cluster, or one of its namespaces (Learn, aks/manage-azure-rbac: role
// assignments "scoped to a namespace" at <cluster id>/namespaces/<name>).
func (r KubeRequest) Scope(clusterID string) string {
	if r.Namespace != "" {
		return clusterID + "/namespaces/" + r.Namespace
	}
	return clusterID
}

// AuthorizeData decides a data action at scope: nil when one of the
// grants allows it (its DataActions, less its NotDataActions, at a scope
// that covers it).
func AuthorizeData(grants []DataGrant, action, scope string) error {
	for _, g := range grants {
		if !covers(g.Scope, scope) || !matchesAny(g.DataActions, action) || matchesAny(g.NotDataActions, action) {
			continue
		}
		return nil
	}
	return fmt.Errorf("no role assignment grants data action %s over scope %s", action, scope)
}

func matchesAny(patterns []string, action string) bool {
	for _, p := range patterns {
		if actionMatches(p, action) {
			return true
		}
	}
	return false
}
