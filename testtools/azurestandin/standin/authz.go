package standin

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// EnvCallerRoles names the built-in roles the caller holds, and where.
const EnvCallerRoles = "AZURE_STANDIN_CALLER_ROLES"

// roles.json is Azure's published built-in role definitions (the source of
// each is in the file).
//
//go:embed roles.json
var rolesJSON []byte

// RoleDefinition is one built-in role's permissions.
type RoleDefinition struct {
	Name           string   `json:"name"`
	ID             string   `json:"id"`
	Source         string   `json:"source"`
	Actions        []string `json:"actions"`
	NotActions     []string `json:"notActions"`
	DataActions    []string `json:"dataActions"`
	NotDataActions []string `json:"notDataActions"`
}

// BuiltInRoles are the roles of roles.json by name.
var BuiltInRoles = func() map[string]*RoleDefinition {
	var doc struct {
		Roles []*RoleDefinition `json:"roles"`
	}
	if err := json.Unmarshal(rolesJSON, &doc); err != nil {
		panic("standin: roles.json: " + err.Error())
	}
	out := map[string]*RoleDefinition{}
	for _, r := range doc.Roles {
		out[strings.ToLower(r.Name)] = r
	}
	return out
}()

// Grant is one role assignment of the caller: a role at a scope, and for
// role-assignment writes and deletes, optionally the roles it may assign
// (the "constrain roles" condition of delegated role assignment).
type Grant struct {
	Role  *RoleDefinition
	Scope string
	// Assignable, when set, is the condition: role assignments are written
	// or deleted through this grant only for these role definition GUIDs.
	Assignable []string
}

// DefaultCallerRoles is the caller when EnvCallerRoles is unset: Owner of
// the subscription, as the one who runs the tutorial is.
var DefaultCallerRoles = "Owner@/subscriptions/" + SubscriptionID

var grantPattern = regexp.MustCompile(`^([^()@]+?)\s*(?:\(([^()]*)\))?\s*@\s*(/\S*)$`)

// parseCallerRoles reads "<role>[(<role>|<role>...)]@<scope>,...": a
// built-in role by name at an ARM scope, optionally limited to assigning
// the roles in parentheses.
func parseCallerRoles(spec string, custom ...*RoleDefinition) ([]Grant, error) {
	if strings.TrimSpace(spec) == "" {
		spec = DefaultCallerRoles
	}
	var out []Grant
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		m := grantPattern.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("%s: %q is not <built-in role>[(<role>|...)]@<scope>", EnvCallerRoles, part)
		}
		role := findRole(strings.TrimSpace(m[1]), custom)
		if role == nil {
			return nil, fmt.Errorf("%s: %q: the stand-in knows no built-in role %q (see standin/roles.json)", EnvCallerRoles, part, m[1])
		}
		g := Grant{Role: role, Scope: strings.TrimSuffix(m[3], "/")}
		if m[2] != "" {
			for _, name := range strings.Split(m[2], "|") {
				r := BuiltInRoles[strings.ToLower(strings.TrimSpace(name))]
				if r == nil {
					return nil, fmt.Errorf("%s: %q: the condition names no known built-in role %q", EnvCallerRoles, part, name)
				}
				g.Assignable = append(g.Assignable, r.ID)
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// actionMatches is ARM's matching of an action against a permission:
// case-insensitive, with "*" standing for any run of characters.
func actionMatches(pattern, action string) bool {
	re := "(?i)^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$"
	ok, _ := regexp.MatchString(re, action)
	return ok
}

// permits says whether the role's Actions, less its NotActions, grant the
// control-plane action.
func (r *RoleDefinition) permits(action string) bool {
	allowed := false
	for _, a := range r.Actions {
		if actionMatches(a, action) {
			allowed = true
			break
		}
	}
	if !allowed {
		return false
	}
	for _, n := range r.NotActions {
		if actionMatches(n, action) {
			return false
		}
	}
	return true
}

// covers says whether an assignment at scope applies to the resource id:
// the same id or one below it.
func covers(scope, id string) bool {
	scope, id = strings.ToLower(strings.TrimSuffix(scope, "/")), strings.ToLower(id)
	return scope == "" || id == scope || strings.HasPrefix(id, scope+"/")
}

// Role-assignment actions, which a grant's condition constrains.
const (
	actionRoleAssignmentWrite  = "Microsoft.Authorization/roleAssignments/write"
	actionRoleAssignmentDelete = "Microsoft.Authorization/roleAssignments/delete"
)

// authorize is ARM's check of the caller's grants for action on the
// resource id. assigning is the role definition GUID a role-assignment
// write or delete concerns ("" otherwise). The error is ARM's 403.
func authorize(grants []Grant, action, id, assigning string) error {
	conditionFailed := false
	for _, g := range grants {
		if !covers(g.Scope, id) || !g.Role.permits(action) {
			continue
		}
		constrained := actionMatches(actionRoleAssignmentWrite, action) || actionMatches(actionRoleAssignmentDelete, action)
		if g.Assignable == nil || !constrained || containsFold(g.Assignable, assigning) {
			return nil
		}
		conditionFailed = true
	}
	how := "does not have authorization"
	if conditionFailed {
		how = "has an authorization with ABAC condition that is not fulfilled"
	}
	return armErr(403, "AuthorizationFailed", "The client '%s' with object id '%s' %s to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
		ClientID, ObjectID, how, action, id)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// authorize checks the caller of this plugin process (EnvCallerRoles) for
// action on id.
func (p *Provider) authorize(action, id, assigning string) error {
	if err := p.subscriptionReached(id); err != nil {
		return err
	}
	grants, err := p.callerGrants()
	if err != nil {
		return err
	}
	return authorize(grants, action, id, assigning)
}

// actionType is the resource type as it appears in the kind's actions;
// a resource group's actions are under subscriptions.
func (k *kind) actionType() string {
	if k.short == "ResourceGroup" {
		return "Microsoft.Resources/subscriptions/resourceGroups"
	}
	return k.armType
}

// assigningRole is the role definition GUID a role assignment's inputs
// name, "" for other kinds.
func assigningRole(k *kind, inputs func(string) string) string {
	if k.short != "RoleAssignment" {
		return ""
	}
	return roleGUID(inputs("roleDefinitionId"))
}
