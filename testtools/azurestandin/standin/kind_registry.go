package standin

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func checkRegistry(in resource.PropertyMap) []Failure {
	var fs []Failure
	sku := getv(in, "sku.name")
	if sku.IsString() && !slices.Contains([]string{"Classic", "Basic", "Standard", "Premium"}, sku.StringValue()) {
		fs = append(fs, Failure{"sku.name", fmt.Sprintf("'sku.name' is '%s' but expected one of ['Basic','Standard','Premium']", sku.StringValue())})
	}
	if anon, ok := getb(in, "anonymousPullEnabled"); ok && anon && sku.IsString() && sku.StringValue() != "Standard" && sku.StringValue() != "Premium" {
		fs = append(fs, Failure{"anonymousPullEnabled", fmt.Sprintf("'anonymousPullEnabled' is true but anonymous pull needs the Standard or Premium SKU, not '%s'", sku.StringValue())})
	}
	return fs
}

func applyRegistry(c *op) error {
	for _, r := range c.st.Find("Registry", func(o *Object) bool { return key(o.ID) != key(c.id) }) {
		if strings.EqualFold(r.Output("name"), c.name) {
			return armErr(409, "AlreadyInUse", "The registry DNS name %s.azurecr.io is already in use. You can check if the name is already claimed using following API: https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/checknameavailability", strings.ToLower(c.name))
		}
	}
	c.out["loginServer"] = str(strings.ToLower(c.name) + ".azurecr.io")
	c.out["provisioningState"] = str("Succeeded")
	c.out["creationDate"] = str(keepOr(c.old, "creationDate", func() string { return c.now.UTC().Format(time.RFC3339Nano) }))
	c.out["sku"] = resource.NewObjectProperty(resource.PropertyMap{"name": str(gets(c.in, "sku.name")), "tier": str(gets(c.in, "sku.name"))})
	defaults := map[string]resource.PropertyValue{
		"adminUserEnabled":         resource.NewBoolProperty(false),
		"anonymousPullEnabled":     resource.NewBoolProperty(false),
		"dataEndpointEnabled":      resource.NewBoolProperty(false),
		"publicNetworkAccess":      str("Enabled"),
		"zoneRedundancy":           str("Disabled"),
		"networkRuleBypassOptions": str("AzureServices"),
	}
	outs := schema.Resources[c.k.tokenOf(c)].Outputs
	for k, v := range defaults {
		if _, set := c.out[resource.PropertyKey(k)]; !set && slices.Contains(outs, k) {
			c.out[resource.PropertyKey(k)] = v
		}
	}
	return nil
}

// tokenOf is the type token the operation came with.
func (k *kind) tokenOf(c *op) string {
	if c.urn != "" {
		if t := urnType(c.urn); t != "" {
			return t
		}
	}
	return k.tokens[len(k.tokens)-1]
}

// A run's timeout in seconds, as the containerregistry spec bounds
// runRequest.timeout (default 3600).
const (
	minRunTimeout = 300
	maxRunTimeout = 28800
)

func applyTaskRun(c *op) error {
	reqType := gets(c.in, "runRequest.type")
	if reqType == "" {
		return armErr(400, "InvalidRequestContent", "The run request is missing: set runRequest.")
	}
	if v := getv(c.in, "runRequest.timeout"); v.IsNumber() && (v.NumberValue() < minRunTimeout || v.NumberValue() > maxRunTimeout) {
		return armErr(400, "InvalidRequestContent", "The run request's timeout %v is out of range: it must be from %d to %d seconds.", v.NumberValue(), minRunTimeout, maxRunTimeout)
	}
	registryID, _ := c.k.parent(c.in)
	failedPut := "acr-run-failed-put:" + key(c.id)
	// An identical PUT (same run request, same forceUpdateTag) answers with
	// the run already made, failed or not; only a new forceUpdateTag runs
	// an unchanged request again (the spec's forceUpdateTag).
	if c.old != nil && gets(c.in, "forceUpdateTag") == c.old.Input("forceUpdateTag") &&
		sameValue(getv(c.in, "runRequest"), getv(fromState(c.old.Inputs), "runRequest")) {
		if prev := getv(fromState(c.old.Outputs), "runResult"); prev.IsObject() {
			c.out["runResult"] = prev
			c.out["provisioningState"] = str("Succeeded")
			if c.st.Counters[failedPut] > 0 {
				runID := gets(prev.ObjectValue(), "runId")
				c.initFailed = armErr(400, "TaskRunFailed", "The status for Run %s is %s, please check the log: az acr task logs --registry %s --run-id %s", runID, gets(prev.ObjectValue(), "status"), gets(c.in, "registryName"), runID)
			}
			return nil
		}
	}
	// Free-trial (free credit) subscriptions may not run ACR Tasks: the
	// request is refused and no run is made.
	if c.p.env(EnvFreeTrial) == "1" {
		return armErr(400, "TasksOperationsNotAllowed", "ACR Tasks requests for the registry %s and %s are not permitted. Please file an Azure support request at http://aka.ms/azuresupport for assistance.", gets(c.in, "registryName"), Subscription())
	}
	delete(c.st.Counters, failedPut)
	registry := c.st.Get(registryID)
	loginServer := strings.ToLower(gets(c.in, "registryName")) + ".azurecr.io"
	if registry != nil && registry.Output("loginServer") != "" {
		loginServer = registry.Output("loginServer")
	}
	runID := fmt.Sprintf("ca%d", c.st.Count("acr-run:"+key(registryID)))
	start := c.now.UTC()
	result := resource.PropertyMap{
		"runId":             str(runID),
		"runType":           str("QuickRun"),
		"provisioningState": str("Succeeded"),
		"createTime":        str(start.Format(time.RFC3339Nano)),
		"startTime":         str(start.Format(time.RFC3339Nano)),
		"finishTime":        str(start.Add(time.Second).Format(time.RFC3339Nano)),
		"lastUpdatedTime":   str(start.Add(time.Second).Format(time.RFC3339Nano)),
		"isArchiveEnabled":  resource.NewBoolProperty(false),
		"name":              str(runID),
		"type":              str("Microsoft.ContainerRegistry/registries/runs"),
		"id":                str(registryID + "/runs/" + runID),
	}
	if v := getv(c.in, "runRequest.platform"); v.IsObject() {
		result["platform"] = resource.NewObjectProperty(v.ObjectValue().Copy())
	}
	status, failMsg, failARM := "Succeeded", "", false
	var images []resource.PropertyValue
	switch reqType {
	case "EncodedTaskRunRequest":
		encoded := gets(c.in, "runRequest.encodedTaskContent")
		task, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			return armErr(400, "InvalidParameter", "The encoded task content is not valid base64: %v", err)
		}
		run := runACRTask(string(task), loginServer, runID)
		if run.failed != "" {
			status, failMsg, failARM = "Failed", run.failed, true
			if run.log != "" {
				failMsg += " (run log: " + strings.ReplaceAll(run.log, "\n", "; ") + ")"
			}
			break
		}
		// Every run builds anew, and a build is not reproducible (layer
		// and config times differ), so each run pushes a new digest.
		sum := sha256.Sum256([]byte(encoded + "\n" + runID))
		for _, ref := range run.pushed {
			reg, rest, ok := strings.Cut(ref, "/")
			if !ok || !strings.Contains(reg, ".") {
				reg, rest = loginServer, ref
			}
			repo, tag, ok := strings.Cut(rest, ":")
			if !ok {
				tag = "latest"
			}
			images = append(images, resource.NewObjectProperty(resource.PropertyMap{
				"registry":   str(reg),
				"repository": str(repo),
				"tag":        str(tag),
				"digest":     str("sha256:" + hex.EncodeToString(sum[:])),
			}))
		}
	default:
		// Other request kinds run but push nothing the stand-in can know.
	}
	// runresult: the run fails but the resource reports success, the
	// failure only in runResult; run: the operation fails too.
	if v, hit := faultFor(c.p.faults(), c.st, "TaskRun", "runresult"); hit {
		status, failMsg, failARM = v, "failed to build step build: injected by "+EnvFaults, false
	}
	if v, hit := faultFor(c.p.faults(), c.st, "TaskRun", "run"); hit {
		status, failMsg, failARM = v, "failed to build step build: injected by "+EnvFaults, true
	}
	result["status"] = str(status)
	if status == "Succeeded" {
		result["outputImages"] = resource.NewArrayProperty(images)
	} else {
		result["runErrorMessage"] = str(failMsg)
		if failARM {
			c.st.Counters[failedPut] = 1
			c.initFailed = armErr(400, "TaskRunFailed", "The status for Run %s is %s, please check the log: az acr task logs --registry %s --run-id %s", runID, status, gets(c.in, "registryName"), runID)
		}
	}
	c.out["runResult"] = resource.NewObjectProperty(result)
	c.out["provisioningState"] = str("Succeeded")
	// poll=404: the run is made, but polling its long-running PUT hits
	// a 404 (the async operation URL ACR returns is malformed) and the
	// operation fails after its retries, with the run left behind.
	if v, hit := faultFor(c.p.faults(), c.st, "TaskRun", "poll"); hit && v == "404" && c.initFailed == nil {
		c.initFailed = errors.New(`Future#WaitForCompletion: the number of retries has been exceeded: StatusCode=404 -- Original Error: Code="Creating" Message="The async operation failed." AdditionalInfo=[{"status":"Creating"}]`)
	}
	return nil
}
