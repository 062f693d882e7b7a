package standin

import (
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func checkAccount(in resource.PropertyMap) []Failure {
	var fs []Failure
	if v := getv(in, "properties.customSubDomainName"); v.IsString() && !subdomainPattern.MatchString(v.StringValue()) {
		fs = append(fs, Failure{"properties.customSubDomainName", fmt.Sprintf("'properties.customSubDomainName' is '%s' but must be 2 to 64 letters, digits or '-', starting and ending with a letter or digit", v.StringValue())})
	}
	return fs
}

func applyAccount(c *op) error {
	if err := accountKindChange(c); err != nil {
		return err
	}
	sub := gets(c.in, "properties.customSubDomainName")
	if sub != "" {
		for _, a := range c.st.Find("Account", func(o *Object) bool { return key(o.ID) != key(c.id) }) {
			if strings.EqualFold(a.Input("properties.customSubDomainName"), sub) {
				return customDomainInUse(sub)
			}
		}
	}
	if restore, _ := getb(c.in, "properties.restore"); !restore && c.old == nil {
		if sd, ok := c.st.SoftDeleted[key(c.id)]; ok {
			return armErr(409, "FlagMustBeSetForRestore", "An existing resource with ID '%s' has been soft-deleted. To restore the resource, you must specify 'restore' to be 'true' in the property. If you don't want to restore existing resource, please purge it first.", sd.ID)
		}
		for _, sd := range c.st.SoftDeleted {
			if sub != "" && strings.EqualFold(sd.Subdomain, sub) {
				return customDomainInUse(sub)
			}
		}
	}
	if c.old != nil {
		if was := c.old.Input("properties.customSubDomainName"); was != "" && was != sub {
			return armErr(400, "CustomSubDomainNameCannotBeChanged", "The custom subdomain name of an account cannot be changed once set.")
		}
	}
	delete(c.st.SoftDeleted, key(c.id))
	endpoint := "https://" + gets(c.in, "location") + ".api.cognitive.microsoft.com/"
	if sub != "" {
		endpoint = "https://" + strings.ToLower(sub) + ".openai.azure.com/"
		if base := strings.TrimSuffix(c.p.env(EnvDataplaneURL), "/"); base != "" {
			endpoint = base + "/" + strings.ToLower(sub) + "/"
		}
	}
	setv(c.out, "properties.endpoint", str(endpoint))
	setv(c.out, "properties.endpoints", resource.NewObjectProperty(resource.PropertyMap{
		"OpenAI Language Model Instance API": str(endpoint),
	}))
	setv(c.out, "properties.provisioningState", str("Succeeded"))
	c.busyUntil = acceptedUntil(c)
	setv(c.out, "properties.dateCreated", str(keepOr(c.old, "properties.dateCreated", func() string { return c.now.UTC().Format(time.RFC3339Nano) })))
	setv(c.out, "properties.internalId", str(keepOr(c.old, "properties.internalId", func() string { return strings.ReplaceAll(newGUID(), "-", "") })))
	c.out["etag"] = str(`"` + newGUID() + `"`)
	return nil
}

func checkDeployment(in resource.PropertyMap) []Failure {
	var fs []Failure
	for _, k := range []string{"properties.model.format", "properties.model.name"} {
		if getv(in, k).IsNull() {
			fs = append(fs, Failure{k, fmt.Sprintf("missing required property '%s' (Azure requires the deployed model)", k)})
		}
	}
	if v := getv(in, "sku.capacity"); v.IsNumber() && v.NumberValue() < 1 {
		fs = append(fs, Failure{"sku.capacity", fmt.Sprintf("'sku.capacity' is %v but must be at least 1", v.NumberValue())})
	}
	return fs
}
