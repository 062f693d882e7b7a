package infra

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Service Connector installs its cluster extension, sc-extension, with the
// first link on a cluster, and the link's create waits for the extension's
// job (sc-job in namespace sc-system) and fails with its error (Learn, "Use
// Service Connector in AKS"; Azure/AKS#5493: a 401 pulling the job's image,
// open for months; Azure/AKS#5276: the image gone, fixed by a new extension
// version). No source shows such a failure healing within minutes, so the
// link is not retried: the user is told where the job's error is.

// SCExtensionLogCommands are the commands that show why Service Connector's
// cluster extension did not install or did not run.
func SCExtensionLogCommands(clusterName, resourceGroup string) string {
	return fmt.Sprintf("`az k8s-extension show --cluster-type managedClusters --name sc-extension --cluster-name %s --resource-group %s` "+
		"and `kubectl logs job/sc-job -n sc-system`", clusterName, resourceGroup)
}

// isExtensionFailure tells a link that failed in its cluster extension: the
// extension service's code, or the extension or its job named.
func isExtensionFailure(err string) bool {
	for _, mark := range []string{"ExtensionOperationFailed", "sc-extension", "sc-job"} {
		if strings.Contains(err, mark) {
			return true
		}
	}
	return false
}

// explainExtensionFailure is the Linker's error hook: on a failed create or
// update whose newest error is the extension's, it reports where to read the
// job's log and how to retry, and never retries.
func explainExtensionFailure(report func(msg string)) pulumi.ErrorHookFunction {
	return func(args *pulumi.ErrorHookArgs) (bool, error) {
		if len(args.Errors) == 0 || !isExtensionFailure(args.Errors[0]) {
			return false, nil
		}
		cluster, group := "<clusterName>", "<resourceGroupName>"
		if v, ok := args.NewInputs["resourceUri"]; ok && v.IsString() {
			parts := strings.Split(strings.Trim(v.StringValue(), "/"), "/")
			for i := 0; i+1 < len(parts); i++ {
				switch strings.ToLower(parts[i]) {
				case "resourcegroups":
					group = parts[i+1]
				case "managedclusters":
					cluster = parts[i+1]
				}
			}
		}
		report(fmt.Sprintf("Service Connector's cluster extension sc-extension did not install on cluster %s: its job sc-job in namespace sc-system failed "+
			"with the error above. Read why with %s (kubeconfig: `pulumi stack output kubeconfig --show-secrets`). "+
			"It does not heal by waiting, so the link was not retried: fix the cause, then run `pulumi up` again, which creates the link and its extension again",
			cluster, SCExtensionLogCommands(cluster, group)))
		return false, nil
	}
}
