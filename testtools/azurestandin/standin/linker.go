package standin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Kube is what the emulated Service Connector does in the cluster.
type Kube interface {
	// ApplyServiceAccount creates the service account or updates its
	// annotations.
	ApplyServiceAccount(ctx context.Context, namespace, name string, annotations map[string]string) error
	// ApplySecret creates the secret or updates its data.
	ApplySecret(ctx context.Context, namespace, name string, data map[string]string) error
}

// Service Connector's names for what it creates.
func scServiceAccount(clientID string) string { return "sc-account-" + clientID }
func scSecret(linkerName string) string       { return "sc-" + linkerName + "-secret" }

const (
	workloadIdentityAudience = "api://AzureADTokenExchange"
	clientIDAnnotation       = "azure.workload.identity/client-id"
)

// scJob is the cluster side of one connection, done after the link reports
// success, as Service Connector does.
type scJob struct {
	linker, namespace, serviceAccount, secret string
	annotations, data                         map[string]string
}

func applyLinker(c *op) error {
	in := c.in
	clusterID := gets(in, "resourceUri")
	targetType := gets(in, "targetService.type")
	targetID := gets(in, "targetService.id")
	var target *Object
	if targetType == "AzureResource" {
		if target = c.st.Get(targetID); target == nil {
			return notFound(targetID)
		}
	}
	namespace := gets(in, "scope")
	if namespace == "" {
		namespace = "default"
	}
	c.out["scope"] = str(namespace)
	c.out["provisioningState"] = str("Succeeded")

	if cluster := c.st.Get(clusterID); cluster != nil && ShortType(cluster.Type) == "ManagedCluster" {
		if err := c.p.aksAllowsLink(c.st, cluster); err != nil {
			return err
		}
	}

	// With ForcedCleanup, Service Connector removes what it made for this
	// link before; by default it keeps it and adds to it.
	if forcedCleanup(in) {
		removeManaged(c.st, c.id)
	}

	if gets(in, "authInfo.authType") != "userAssignedIdentity" {
		return nil
	}
	roles, err := linkerRoles(in)
	if err != nil {
		return err
	}
	clientID := gets(in, "authInfo.clientId")
	if sub := gets(in, "authInfo.subscriptionId"); !strings.EqualFold(sub, Subscription()) {
		return armErr(400, "BadRequest", "The subscription '%s' of the user assigned identity was not found or is not accessible.", sub)
	}
	ids := c.st.Find("UserAssignedIdentity", func(o *Object) bool { return strings.EqualFold(o.Output("clientId"), clientID) })
	if len(ids) == 0 {
		return armErr(400, "BadRequest", "The user assigned identity with client id '%s' was not found in subscription '%s'.", clientID, Subscription())
	}
	identity := ids[0]
	cluster := c.st.Get(clusterID)
	if cluster == nil || ShortType(cluster.Type) != "ManagedCluster" {
		return nil
	}

	// Service Connector turns on the OIDC issuer and workload identity when
	// they are off; a refresh would then show the drift.
	issuer := cluster.Output("oidcIssuerProfile.issuerURL")
	if issuer == "" {
		issuer = c.p.env(EnvOIDCIssuer)
		if issuer == "" {
			issuer = "https://" + cluster.Input("location") + ".oic.prod-aks.azure.com/" + TenantID + "/" + newGUID() + "/"
		}
		outs := fromState(cluster.Outputs)
		setv(outs, "oidcIssuerProfile.enabled", resource.NewBoolProperty(true))
		setv(outs, "oidcIssuerProfile.issuerURL", str(issuer))
		setv(outs, "securityProfile.workloadIdentity.enabled", resource.NewBoolProperty(true))
		cluster.Outputs = plain(outs)
	}

	sa := scServiceAccount(clientID)
	ficName := "sc_" + strings.NewReplacer(".", "_").Replace(gets(in, "linkerName"))
	fic := &Object{
		ID:        identity.ID + "/federatedIdentityCredentials/" + ficName,
		Type:      "azure-native:managedidentity:FederatedIdentityCredential",
		ManagedBy: c.id,
		Created:   c.now, Updated: c.now,
	}
	ficIn := map[string]any{
		"resourceGroupName": identity.Input("resourceGroupName"),
		"resourceName":      identity.Output("name"),
		"federatedIdentityCredentialResourceName": ficName,
		"issuer":    issuer,
		"subject":   "system:serviceaccount:" + namespace + ":" + sa,
		"audiences": []any{workloadIdentityAudience},
	}
	fic.Inputs = ficIn
	fic.Outputs = map[string]any{
		"name": ficName, "type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
		"issuer": ficIn["issuer"], "subject": ficIn["subject"], "audiences": ficIn["audiences"],
	}
	// Service Connector acts on behalf of the caller: it writes the
	// credential and the role assignment with the caller's rights.
	if err := c.p.authorize("Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write", fic.ID, ""); err != nil {
		return err
	}
	c.st.Put(fic)

	if target != nil {
		if err := grantLinkerRoles(c, roles, identity.Output("principalId"), target.ID); err != nil {
			return err
		}
	}

	if err := linkTargetNetwork(c, target); err != nil {
		return err
	}
	endpointKey, clientIDKey := secretKeys(target)
	data := map[string]string{clientIDKey: clientID}
	if target != nil {
		if ep := target.Output("properties.endpoint"); ep != "" {
			data[endpointKey] = ep
		}
	}
	job := scJob{
		linker: gets(in, "linkerName"), namespace: namespace,
		serviceAccount: sa, secret: scSecret(gets(in, "linkerName")),
		annotations: map[string]string{clientIDAnnotation: clientID},
		data:        data,
	}
	if v, hit := faultFor(c.p.faults(), c.st, "Linker", "kube"); hit && v == "skip" {
		c.after = append(c.after, func() { c.p.log("ServiceConnector", c.k.tokens[0], job.linker, 0, "skipped ("+EnvFaults+")") })
		return nil
	}
	c.after = append(c.after, func() { c.p.serviceConnector(job) })
	return nil
}

// forcedCleanup reports whether a link asks Service Connector to remove
// what it made (the federated credential, the role assignment) when the
// link is updated or deleted: authInfo.deleteOrUpdateBehavior ForcedCleanup.
// Default (or none) leaves them behind.
func forcedCleanup(in resource.PropertyMap) bool {
	return gets(in, "authInfo.deleteOrUpdateBehavior") == "ForcedCleanup"
}

// Namespace of the resource provider behind Service Connector's cluster
// extension (sc-extension).
const kubernetesConfigurationRP = "Microsoft.KubernetesConfiguration"

// aksAllowsLink is what a link on an AKS cluster meets before Service
// Connector can install or use its cluster extension: the subscription must
// be registered with Microsoft.KubernetesConfiguration, and the cluster must
// not be busy with another operation.
func (p *Provider) aksAllowsLink(st *State, cluster *Object) error {
	if p.unregistered(kubernetesConfigurationRP) {
		return missingRegistration(kubernetesConfigurationRP)
	}
	if p.now().Before(cluster.BusyUntil) {
		return clusterBusy()
	}
	return nil
}

// clusterBusy is AKS's answer to an operation while another one runs.
func clusterBusy() *ARMError {
	return armErr(409, "OperationNotAllowed", "Operation is not allowed: Another operation (Updating) is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details")
}

// removeManaged deletes what Service Connector made for a link.
func removeManaged(st *State, linkerID string) {
	for k, o := range st.Objects {
		if o.ManagedBy != "" && key(o.ManagedBy) == key(linkerID) {
			delete(st.Objects, k)
		}
	}
}

// serviceConnector creates the link's objects in the cluster after
// AZURE_STANDIN_SC_DELAY, retrying while the namespace or the API server is
// not ready. The plugin's main waits for it before exiting.
func (p *Provider) serviceConnector(job scJob) {
	delay := 2 * time.Second
	if v := p.env(EnvSCDelay); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			delay = d
		}
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		start := time.Now()
		time.Sleep(delay)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var err error
		for attempt := 0; ; attempt++ {
			if err = p.applyJob(ctx, job); err == nil {
				p.log("ServiceConnector", "azure-native:servicelinker:Linker", job.linker, time.Since(start),
					fmt.Sprintf("ok namespace=%s serviceAccount=%s secret=%s", job.namespace, job.serviceAccount, job.secret))
				return
			}
			select {
			case <-ctx.Done():
				p.log("ServiceConnector", "azure-native:servicelinker:Linker", job.linker, time.Since(start), "error: "+err.Error())
				return
			case <-time.After(time.Duration(min(attempt+1, 5)) * 500 * time.Millisecond):
			}
		}
	}()
}

func (p *Provider) applyJob(ctx context.Context, job scJob) error {
	kube, err := p.kube()
	if err != nil {
		return err
	}
	if err := kube.ApplyServiceAccount(ctx, job.namespace, job.serviceAccount, job.annotations); err != nil {
		return err
	}
	return kube.ApplySecret(ctx, job.namespace, job.secret, job.data)
}
