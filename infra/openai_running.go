package infra

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/config"
)

// Azure changes a live account and its deployment by itself: Microsoft
// upgrades Azure OpenAI accounts to Foundry resources (kind AIServices;
// Learn, "Auto-upgrade Azure OpenAI resources to Microsoft Foundry"), and
// moves a deployment to a newer model version as its versionUpgradeOption
// says (Learn, "Working with models"). azure-native sends the kind and the
// version it is given on every PUT (neither is create-only), so a program
// that declared the old ones would roll the upgrade back or ask for a
// retired version. The program reads what Azure runs, as the image reads
// its last run, and declares the same.

// running is what Azure runs: the account's kind and the deployment's
// model; empty for what does not exist yet.
type running struct {
	Kind       string `pulumi:"kind"`
	Properties struct {
		Model struct {
			Name    string `pulumi:"name"`
			Version string `pulumi:"version"`
		} `pulumi:"model"`
	} `pulumi:"properties"`
}

// getAccountArgs and getDeploymentArgs are the invokes' arguments
// (azure-native 2.92.0, cognitiveservices getAccount and getDeployment).
type getAccountArgs struct {
	ResourceGroupName string `pulumi:"resourceGroupName"`
	AccountName       string `pulumi:"accountName"`
}

type getDeploymentArgs struct {
	ResourceGroupName string `pulumi:"resourceGroupName"`
	AccountName       string `pulumi:"accountName"`
	DeploymentName    string `pulumi:"deploymentName"`
}

// readRunning reads the account (getAccount) or, with a deployment name,
// the deployment (getDeployment); a 404 is "not deployed yet".
func readRunning(ctx *pulumi.Context, rg, account, deployment string, parent pulumi.Resource) (running, error) {
	token, what := "azure-native:cognitiveservices:getAccount", "account "+account
	var args any = getAccountArgs{ResourceGroupName: rg, AccountName: account}
	if deployment != "" {
		token, what = "azure-native:cognitiveservices:getDeployment", "deployment "+deployment+" of account "+account
		args = getDeploymentArgs{ResourceGroupName: rg, AccountName: account, DeploymentName: deployment}
	}
	var out running
	err := ctx.Invoke(token, args, &out, pulumi.Parent(parent))
	if isNotFound(err) {
		return running{}, nil
	}
	if err != nil {
		return running{}, fmt.Errorf("reading the OpenAI %s (what Azure runs): %w", what, err)
	}
	return out, nil
}

// accountKind is the kind to declare: the program's, unless Microsoft
// upgraded the account to a Foundry resource, which the program keeps
// (Learn: the upgrade keeps the name, endpoint, identity and permissions;
// sending kind OpenAI would roll it back).
func accountKind(declared, live string) string {
	if declared == "OpenAI" && live == "AIServices" {
		return live
	}
	return declared
}

// modelVersion is the version to declare: the config's, unless the
// deployment's upgrade option let Azure move it to a newer version of the
// same model, which the program keeps (model versions are dates, which
// order as strings). A version newer than Azure's is a bump: sent as is.
func modelVersion(m config.Model, live running) string {
	lv := live.Properties.Model
	if m.VersionUpgrade == "NoAutoUpgrade" || lv.Name != m.Name || lv.Version <= m.Version {
		return m.Version
	}
	return lv.Version
}

// keepKind and keepVersion declare what Azure runs once the account's
// name is known, with a warning when it differs from the config.
func keepKind(ctx *pulumi.Context, rg *ResourceGroup, account pulumi.StringOutput, declared string, parent pulumi.Resource) pulumi.StringOutput {
	return pulumi.All(rg.Name, account).ApplyT(func(v []any) (string, error) {
		live, err := readRunning(ctx, v[0].(string), v[1].(string), "", parent)
		if err != nil {
			return "", err
		}
		kind := accountKind(declared, live.Kind)
		if kind != declared {
			_ = ctx.Log.Warn(fmt.Sprintf("Microsoft upgraded OpenAI account %s to a Foundry resource (kind %s): the program keeps it (same name, endpoint and permissions)", v[1], kind), &pulumi.LogArgs{Resource: parent})
		}
		return kind, nil
	}).(pulumi.StringOutput)
}

func keepVersion(ctx *pulumi.Context, rg *ResourceGroup, account pulumi.StringOutput, m config.Model, parent pulumi.Resource) pulumi.StringOutput {
	return pulumi.All(rg.Name, account).ApplyT(func(v []any) (string, error) {
		live, err := readRunning(ctx, v[0].(string), v[1].(string), m.DeploymentName, parent)
		if err != nil {
			return "", err
		}
		version := modelVersion(m, live)
		if version != m.Version {
			_ = ctx.Log.Warn(fmt.Sprintf("Azure moved deployment %s to %s %s (modelVersionUpgrade %s): the program keeps it; set modelVersion %s to record it", m.DeploymentName, m.Name, version, m.VersionUpgrade, version), &pulumi.LogArgs{Resource: parent})
		}
		return version, nil
	}).(pulumi.StringOutput)
}
