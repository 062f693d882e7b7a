package standin

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// EnvCustomRoles lists custom role definition files (comma-separated), in
// the form `az role definition create --role-definition` reads (Learn,
// "Azure custom roles": Name, Actions, NotActions, DataActions,
// NotDataActions, AssignableScopes). Their roles can then be named in
// EnvCallerRoles like built-in ones.
const EnvCustomRoles = "AZURE_STANDIN_CUSTOM_ROLES"

// LoadCustomRoles reads the custom role definitions of EnvCustomRoles' form.
func LoadCustomRoles(paths string) ([]*RoleDefinition, error) {
	var out []*RoleDefinition
	for _, path := range strings.Split(paths, ",") {
		if path = strings.TrimSpace(path); path == "" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvCustomRoles, err)
		}
		var def struct {
			Name, Description                                string
			Actions, NotActions, DataActions, NotDataActions []string
			AssignableScopes                                 []string
		}
		if err := json.Unmarshal(data, &def); err != nil || def.Name == "" {
			return nil, fmt.Errorf("%s: %s is not a role definition with a Name (%v)", EnvCustomRoles, path, err)
		}
		out = append(out, &RoleDefinition{Name: def.Name, Source: path, Actions: def.Actions, NotActions: def.NotActions,
			DataActions: def.DataActions, NotDataActions: def.NotDataActions})
	}
	return out, nil
}

// findRole is a built-in role, or one of custom, by name.
func findRole(name string, custom []*RoleDefinition) *RoleDefinition {
	if r := BuiltInRoles[strings.ToLower(name)]; r != nil {
		return r
	}
	for _, r := range custom {
		if strings.EqualFold(r.Name, name) {
			return r
		}
	}
	return nil
}

// callerGrants are this plugin process's caller's role assignments.
func (p *Provider) callerGrants() ([]Grant, error) {
	custom, err := LoadCustomRoles(p.env(EnvCustomRoles))
	if err != nil {
		return nil, err
	}
	return parseCallerRoles(p.env(EnvCallerRoles), custom...)
}
