package dataplane

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

type openAIError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Type    string `json:"type,omitempty"`
	} `json:"error"`
}

func aoaiError(w http.ResponseWriter, status int, code, format string, args ...any) {
	var e openAIError
	e.Error.Code = code
	e.Error.Message = fmt.Sprintf(format, args...)
	detail(w, code+": "+e.Error.Message)
	writeJSON(w, status, e)
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	sub := strings.ToLower(r.PathValue("subdomain"))
	var account *standin.Object
	var deployments []*standin.Object
	var roles []*standin.Object
	err := s.store.View(func(st *standin.State) error {
		accts := st.Find("Account", func(o *standin.Object) bool {
			return strings.EqualFold(o.Input("properties.customSubDomainName"), sub)
		})
		if len(accts) == 0 {
			return nil
		}
		account = accts[0]
		prefix := strings.ToLower(account.ID) + "/deployments/"
		deployments = st.Find("Deployment", func(o *standin.Object) bool { return strings.HasPrefix(strings.ToLower(o.ID), prefix) })
		roles = st.Find("RoleAssignment", nil)
		return nil
	})
	if err != nil {
		aoaiError(w, 500, "InternalServerError", "%v", err)
		return
	}
	if account == nil {
		aoaiError(w, 404, "404", "Resource not found")
		return
	}
	if props, _ := account.Outputs["properties"].(map[string]any); props != nil && props["publicNetworkAccess"] == "Disabled" {
		aoaiError(w, 403, "403", "Public access is disabled. Please configure private endpoint.")
		return
	}
	if r.Header.Get("api-key") != "" {
		if disabled, _ := account.Outputs["properties"].(map[string]any)["disableLocalAuth"].(bool); disabled {
			aoaiError(w, 403, "AuthenticationTypeDisabled", "Key based authentication is disabled for this resource.")
			return
		}
		aoaiError(w, 401, "401", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.")
		return
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	tok, known := s.tokens[bearer]
	s.mu.Unlock()
	if !ok || !known || s.cfg.Now().After(tok.expires) || strings.TrimSuffix(tok.resource, "/") != cognitiveServices {
		aoaiError(w, 401, "401", "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.")
		return
	}
	if !s.allowed(roles, tok.principalID, account.ID) {
		aoaiError(w, 401, "PermissionDenied", "The principal `%s` lacks the required data action `Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to perform `POST /openai/deployments/{deployment-id}/chat/completions` operation.", tok.principalID)
		return
	}

	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content any    `json:"content"`
		} `json:"messages"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &req); err != nil {
		aoaiError(w, 400, "BadRequest", "The request body is not valid JSON: %v", err)
		return
	}
	model := req.Model
	if d := r.PathValue("deployment"); d != "" {
		model = d
	}
	if model == "" {
		aoaiError(w, 400, "BadRequest", "you must provide a model parameter")
		return
	}
	if len(req.Messages) == 0 {
		aoaiError(w, 400, "BadRequest", "'messages' is a required property")
		return
	}
	var deployment *standin.Object
	for _, d := range deployments {
		if d.Output("name") == model {
			deployment = d
		}
	}
	if deployment == nil || s.deploymentPropagating(deployment.Created) {
		aoaiError(w, 404, "DeploymentNotFound", "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.")
		return
	}
	prompt := 0
	for _, m := range req.Messages {
		if c, ok := m.Content.(string); ok {
			prompt += len(strings.Fields(c)) + 4
		}
	}
	reply := "Hello! This is the Azure OpenAI stand-in (deployment " + model + ") answering."
	detail(w, "chat ok deployment="+model+" principal="+tok.principalID)
	writeJSON(w, http.StatusOK, map[string]any{
		"id":                 "chatcmpl-" + strings.ReplaceAll(guid(), "-", "")[:24],
		"object":             "chat.completion",
		"created":            s.cfg.Now().Unix(),
		"model":              deployment.Input("properties.model.name"),
		"system_fingerprint": "fp_standin",
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": reply, "refusal": nil, "annotations": []any{}},
			"finish_reason": "stop",
			"logprobs":      nil,
		}},
		"usage": map[string]any{
			"prompt_tokens": prompt, "completion_tokens": len(strings.Fields(reply)),
			"total_tokens": prompt + len(strings.Fields(reply)),
		},
	})
}

// openAIRoles are the built-in roles that allow chat completions.
var openAIRoles = []string{standin.RoleOpenAIUser, standin.RoleOpenAIContributor}

// allowed tells whether principal holds an OpenAI role on the account,
// directly or on a parent scope, in effect for RBACDelay already.
func (s *Server) allowed(roles []*standin.Object, principal, accountID string) bool {
	acct := strings.ToLower(accountID)
	for _, ra := range roles {
		if ra.Input("principalId") != principal {
			continue
		}
		def := strings.ToLower(ra.Input("roleDefinitionId"))
		ok := false
		for _, r := range openAIRoles {
			if strings.HasSuffix(def, "/"+r) {
				ok = true
			}
		}
		scope := strings.ToLower(strings.TrimSuffix(ra.Input("scope"), "/"))
		if !ok || (acct != scope && !strings.HasPrefix(acct, scope+"/")) {
			continue
		}
		if s.propagating(ra.Created, true) {
			continue
		}
		return true
	}
	return false
}
