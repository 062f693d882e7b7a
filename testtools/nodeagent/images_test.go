package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImagesResolveByRepositoryAndDigest(t *testing.T) {
	index := filepath.Join(t.TempDir(), "images.json")
	os.WriteFile(index, []byte(`[{"repository":"sc-demo-openai-identity","digest":"sha256:aa","binary":"/bin/demo","entrypoint":["/demo"],"user":"65532:65532"}]`), 0o644)

	im, err := resolve(index, "scdemoacr1.azurecr.io/sc-demo-openai-identity@sha256:aa")
	if err != nil || im.Binary != "/bin/demo" || im.User != "65532:65532" {
		t.Fatalf("got %+v, %v", im, err)
	}
	for ref, want := range map[string]string{
		"scdemoacr1.azurecr.io/sc-demo-openai-identity@sha256:bb": "not found",
		"scdemoacr1.azurecr.io/other@sha256:aa":                   "not found",
		"scdemoacr1.azurecr.io/sc-demo-openai-identity:latest":    "only registry-host/repository@sha256:digest",
		"sc-demo-openai-identity@sha256:aa":                       "only registry-host/repository@sha256:digest",
	} {
		_, err := resolve(index, ref)
		var pull errImagePull
		if !errors.As(err, &pull) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want ErrImagePull with %q", ref, err, want)
		}
	}
}
