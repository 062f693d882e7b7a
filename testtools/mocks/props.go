package mocks

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// At follows object keys (strings) and array indexes (ints) into a
// property value, looking through secrets. A step that is not there gives
// the null value, so a test compares it like any other.
func At(v resource.PropertyValue, path ...any) resource.PropertyValue {
	for _, p := range path {
		for v.IsSecret() {
			v = v.SecretValue().Element
		}
		switch k := p.(type) {
		case string:
			if !v.IsObject() {
				return resource.PropertyValue{}
			}
			v = v.ObjectValue()[resource.PropertyKey(k)]
		case int:
			if !v.IsArray() || len(v.ArrayValue()) <= k {
				return resource.PropertyValue{}
			}
			v = v.ArrayValue()[k]
		default:
			return resource.PropertyValue{}
		}
	}
	return v
}
