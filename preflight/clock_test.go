package preflight

import (
	"testing"
)

// No case depends on the day it runs: every case again with the fake
// ARM's clock (and so its catalog's dates) two years ahead.
func TestTwoYearsAhead(t *testing.T) {
	saved := now
	now = now.AddDate(2, 0, 0)
	defer func() { now = saved }()
	for name, run := range map[string]func(*testing.T){
		"DefaultsPass": TestDefaultsPass, "WrongRegionSuggestsTheClosest": TestWrongRegionSuggestsTheClosest,
		"RetiredModelIsRefusedWithWhatIsOpen": TestRetiredModelIsRefusedWithWhatIsOpen, "ModelVersionAndSkuNotOffered": TestModelVersionAndSkuNotOffered,
		"RetiringSoonWarns": TestRetiringSoonWarns, "QuotaCountsTheStacksOwnDeployment": TestQuotaCountsTheStacksOwnDeployment,
		"KubernetesVersionAndVMSize": TestKubernetesVersionAndVMSize, "UnregisteredProviders": TestUnregisteredProviders,
		"ForbiddenAndUnreachableReadsWarnAndGoOn": TestForbiddenAndUnreachableReadsWarnAndGoOn, "PastRetirementDateCloses": TestPastRetirementDateCloses,
		"ClosedModelTheStackRunsWarns": TestClosedModelTheStackRunsWarns, "RetiredModelTheStackRunsAtFullQuota": TestRetiredModelTheStackRunsAtFullQuota,
		"VersionBumpAtFullQuotaCountsTheRunningVersion": TestVersionBumpAtFullQuotaCountsTheRunningVersion,
		"QuotaWithoutTheStacksDeploymentDoesNotRefuse":  TestQuotaWithoutTheStacksDeploymentDoesNotRefuse,
		"KubernetesVersionTheStackRuns":                 TestKubernetesVersionTheStackRuns, "RestrictedSizeTheStackRuns": TestRestrictedSizeTheStackRuns, "VCPUQuota": TestVCPUQuota,
	} {
		t.Run(name, run)
	}
}
