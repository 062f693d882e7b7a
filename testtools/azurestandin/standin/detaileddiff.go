package standin

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Diff's detailed diff names each changed leaf, as azure-native's does
// (pulumi/pulumi-azure-native provider/pkg/provider/diff.go,
// calculateDetailedDiff): objects by key (`a.b`), array elements by index
// (`a[0].b`), an element added or removed at its index. The engine matches
// a program's ReplaceOnChanges (`agentPoolProfiles[*].vmSize`) against
// these paths, so a top-level key alone would never match a nested one.

// leafDiffs adds to out the changed leaves between o and n under path.
func leafDiffs(o, n resource.PropertyValue, path string, out map[string]pulumirpc.PropertyDiff_Kind) {
	o, n = unwrap(o), unwrap(n)
	switch {
	case sameValue(o, n):
	case o.IsNull():
		out[path] = pulumirpc.PropertyDiff_ADD
	case n.IsNull():
		out[path] = pulumirpc.PropertyDiff_DELETE
	case o.IsObject() && n.IsObject():
		for _, k := range unionKeys(o.ObjectValue(), n.ObjectValue()) {
			pk := resource.PropertyKey(k)
			leafDiffs(o.ObjectValue()[pk], n.ObjectValue()[pk], path+"."+k, out)
		}
	case o.IsArray() && n.IsArray():
		oa, na := o.ArrayValue(), n.ArrayValue()
		for i := range max(len(oa), len(na)) {
			at := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= len(oa):
				out[at] = pulumirpc.PropertyDiff_ADD
			case i >= len(na):
				out[at] = pulumirpc.PropertyDiff_DELETE
			default:
				leafDiffs(oa[i], na[i], at, out)
			}
		}
	default:
		out[path] = pulumirpc.PropertyDiff_UPDATE
	}
}

// detailFor is the detailed diff of one changed top-level key. A leaf
// replaces when its key is a replace rule, or lies under the nested rule
// that made the key replace (`rule`, indices ignored).
func detailFor(olds, news resource.PropertyMap, key string, replace bool, rule string) map[string]*pulumirpc.PropertyDiff {
	leaves := map[string]pulumirpc.PropertyDiff_Kind{}
	pk := resource.PropertyKey(key)
	leafDiffs(olds[pk], news[pk], key, leaves)
	out := map[string]*pulumirpc.PropertyDiff{}
	for path, kind := range leaves {
		if replace && (rule == key || strings.HasPrefix(withoutIndices(path), rule)) {
			kind++ // the _REPLACE variant follows each kind
		}
		out[path] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return out
}

// withoutIndices drops array indices from a path: `a[0].b` is `a.b`.
func withoutIndices(path string) string {
	var b strings.Builder
	depth := 0
	for _, r := range path {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}
