package main

import (
	"encoding/json"
	"fmt"
)

// adopt turns each pending create of ids into a resource of the state with
// that id, as the CLI's interactive "import (the CREATE succeeded; provide
// a resource ID …)" answer means, and drops the pending operation. The
// refresh that follows reads each adopted resource: Azure's outputs when it
// has it, and out of the state when the create never reached Azure. The
// rest of the export is kept as it is.
func adopt(export []byte, ids map[string]string) ([]byte, error) {
	return editDeployment(export, func(dep map[string]any) error {
		resources, _ := dep["resources"].([]any)
		ops, _ := dep["pending_operations"].([]any)
		var keep []any
		for _, o := range ops {
			op, _ := o.(map[string]any)
			res, _ := op["resource"].(map[string]any)
			urn, _ := res["urn"].(string)
			if _, ok := ids[urn]; op["type"] != "creating" || !ok {
				keep = append(keep, o)
				continue
			}
			if id := ids[urn]; id != "" {
				res["id"] = id
			}
			// Its dependencies were created before it and nothing depends on
			// it yet, so it goes last.
			resources = append(resources, res)
		}
		dep["resources"] = resources
		dep["pending_operations"] = keep
		return nil
	})
}

// editDeployment applies edit to the deployment of a `pulumi stack export`
// and returns the whole export again, the rest kept as it is.
func editDeployment(export []byte, edit func(dep map[string]any) error) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(export, &doc); err != nil {
		return nil, fmt.Errorf("reading `pulumi stack export`: %w", err)
	}
	dep, _ := doc["deployment"].(map[string]any)
	if dep == nil {
		return nil, fmt.Errorf("`pulumi stack export` has no deployment")
	}
	if err := edit(dep); err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
}
