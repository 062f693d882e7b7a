package standin

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// getv reads a value by dotted path, looking through secrets; it returns a
// null value when any step is missing or not an object.
func getv(pm resource.PropertyMap, path string) resource.PropertyValue {
	cur := resource.NewObjectProperty(pm)
	for _, p := range strings.Split(path, ".") {
		cur = unwrap(cur)
		if !cur.IsObject() {
			return resource.NewNullProperty()
		}
		v, ok := cur.ObjectValue()[resource.PropertyKey(p)]
		if !ok {
			return resource.NewNullProperty()
		}
		cur = v
	}
	return unwrap(cur)
}

// gets reads a known string by dotted path ("" otherwise).
func gets(pm resource.PropertyMap, path string) string {
	v := getv(pm, path)
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// getb reads a known boolean by dotted path.
func getb(pm resource.PropertyMap, path string) (value, ok bool) {
	v := getv(pm, path)
	if v.IsBool() {
		return v.BoolValue(), true
	}
	return false, false
}

// setv writes a value by dotted path, creating (copies of) the objects on
// the way so shared input maps are never modified.
func setv(pm resource.PropertyMap, path string, v resource.PropertyValue) {
	parts := strings.Split(path, ".")
	cur := pm
	for _, p := range parts[:len(parts)-1] {
		k := resource.PropertyKey(p)
		next := unwrap(cur[k])
		var m resource.PropertyMap
		if next.IsObject() {
			m = next.ObjectValue().Copy()
		} else {
			m = resource.PropertyMap{}
		}
		cur[k] = resource.NewObjectProperty(m)
		cur = m
	}
	cur[resource.PropertyKey(parts[len(parts)-1])] = v
}

func str(s string) resource.PropertyValue { return resource.NewStringProperty(s) }

func computed() resource.PropertyValue {
	return resource.MakeComputed(resource.NewStringProperty(""))
}

// plain strips secrets and unknowns and returns a JSON-friendly map for
// the state file.
func plain(pm resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(pm))
	for k, v := range pm {
		if pv := plainValue(v); pv != nil {
			out[string(k)] = pv
		}
	}
	return out
}

func plainValue(v resource.PropertyValue) any {
	v = unwrap(v)
	switch {
	case v.IsNull(), v.IsComputed(), v.IsOutput():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		out := make([]any, 0, len(v.ArrayValue()))
		for _, e := range v.ArrayValue() {
			out = append(out, plainValue(e))
		}
		return out
	case v.IsObject():
		return plain(v.ObjectValue())
	}
	return v.Mappable()
}

func fromState(m map[string]any) resource.PropertyMap {
	if m == nil {
		return resource.PropertyMap{}
	}
	return resource.NewPropertyMapFromMap(m)
}

// newGUID is a random version-4 GUID, as Azure gives new identities.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// keepOr returns the old output at path when there is one (identities and
// GUIDs stay stable across updates), else a fresh value.
func keepOr(old *Object, path string, fresh func() string) string {
	if old != nil {
		if v := old.Output(path); v != "" {
			return v
		}
	}
	return fresh()
}
