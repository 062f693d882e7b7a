package standin

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

var (
	withUnknowns = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true}
	plainOpts    = plugin.MarshalOptions{SkipNulls: true}
)

func unmarshal(s *structpb.Struct, opts plugin.MarshalOptions) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, opts)
}

func marshal(pm resource.PropertyMap, opts plugin.MarshalOptions) (*structpb.Struct, error) {
	return plugin.MarshalProperties(pm, opts)
}

// urnType and urnName read a URN's type token and logical name.
func urnType(urn string) string {
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return ""
	}
	types := strings.Split(parts[2], "$")
	return types[len(types)-1]
}

func urnName(urn string) string {
	parts := strings.Split(urn, "::")
	return parts[len(parts)-1]
}

func typeOf(reqType, urn string) string {
	if reqType != "" {
		return reqType
	}
	return urnType(urn)
}

func kindOf(token string) (*kind, error) {
	k, ok := kinds[token]
	if !ok {
		return nil, fmt.Errorf("the Azure stand-in does not support resource type %s", token)
	}
	return k, nil
}
