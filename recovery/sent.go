package main

import "encoding/json"

// secretSig marks a secret in a state export (Pulumi's
// resource.SecretSig); a "plaintext" member is encrypted on import.
const secretSig = "1b47061264138c4ac30d75fd1eb44270"

// sentInputs puts back, on each adopted resource, the inputs its
// interrupted create sent. The refresh had to read the resource (its
// outputs were never stored), but a provider's Read cannot read inputs:
// with no old outputs to compare, azure-native copies every property Azure
// returns into them (pulumi/pulumi-azure-native provider/pkg/provider/
// provider.go, Read: the old and new outputs' input projections, diffed,
// applied to the inputs). The next preview would then diff the program
// against Azure's defaults: the adopted cluster's identityProfile,
// nodeResourceGroup, kubernetesVersion and node pool, a replacement on
// the pool's vmSize. ARM finished the PUT of exactly the sent inputs, so
// the state becomes what the create would have stored: those inputs, and
// the outputs Azure has now. azure-native v2 also keeps them in the
// outputs, as the secret `__inputs` (checkpointObject), so that is set too.
func sentInputs(export []byte, sent map[string]map[string]any) ([]byte, error) {
	return editDeployment(export, func(dep map[string]any) error {
		resources, _ := dep["resources"].([]any)
		for _, r := range resources {
			res, _ := r.(map[string]any)
			urn, _ := res["urn"].(string)
			in, ok := sent[urn]
			if !ok {
				continue
			}
			res["inputs"] = in
			outputs, _ := res["outputs"].(map[string]any)
			if _, has := outputs["__inputs"]; has {
				plain, err := json.Marshal(in)
				if err != nil {
					return err
				}
				outputs["__inputs"] = map[string]any{"4dabf18193072939515e22adb298388d": secretSig, "plaintext": string(plain)}
			}
		}
		return nil
	})
}
