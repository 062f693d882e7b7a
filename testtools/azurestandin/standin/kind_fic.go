package standin

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func checkFIC(in resource.PropertyMap) []Failure {
	var fs []Failure
	if v := getv(in, "issuer"); v.IsString() {
		if u, err := url.Parse(v.StringValue()); err != nil || u.Scheme != "https" || u.Host == "" {
			fs = append(fs, Failure{"issuer", fmt.Sprintf("'issuer' is '%s' but must be an https URL", v.StringValue())})
		}
	}
	if v := getv(in, "audiences"); v.IsArray() && len(v.ArrayValue()) != 1 {
		fs = append(fs, Failure{"audiences", fmt.Sprintf("'audiences' has %d values but a managed identity's federated credential takes exactly one (api://AzureADTokenExchange)", len(v.ArrayValue()))})
	}
	return fs
}

// maxFICsPerIdentity is Entra's limit of federated credentials on one
// user-assigned identity (workload identity federation considerations).
const maxFICsPerIdentity = 20

func applyFIC(c *op) error {
	parent, _ := c.k.parent(c.in)
	issuer, subject := gets(c.in, "issuer"), gets(c.in, "subject")
	others := c.st.Find("FederatedIdentityCredential", func(o *Object) bool {
		return strings.HasPrefix(key(o.ID), key(parent)+"/") && key(o.ID) != key(c.id)
	})
	for _, f := range others {
		if f.Input("issuer") == issuer && f.Input("subject") == subject {
			return armErr(400, "BadRequest", "Issuer and subject combination already exists for this Managed Identity (federated identity credential '%s' on identity '%s').", describeName(f.ID), describeName(parent))
		}
	}
	if c.old == nil && len(others) >= maxFICsPerIdentity {
		return armErr(400, "BadRequest", "A managed identity can have at most %d federated identity credentials; identity '%s' has %d.", maxFICsPerIdentity, describeName(parent), len(others))
	}
	return nil
}

func describeName(id string) string {
	_, name, _ := describeID(id)
	return name
}
