package arm

import (
	"strings"
	"testing"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// The subscription itself is readable (Subscriptions_Get), in every
// subscription the sign-in reaches and no other.
func TestEachReachedSubscriptionIsReadable(t *testing.T) {
	const other = "00000000-0000-0000-0000-00000000eeee"
	srv, _ := serve(t, map[string]string{standin.EnvSubscriptions: standin.SubscriptionID + "," + other})
	for _, s := range []string{standin.SubscriptionID, other} {
		code, body := get(t, srv, "/subscriptions/"+s+"?api-version=2022-12-01", token)
		if js := mustJSON(body); code != 200 || !strings.Contains(js, `"subscriptionId":"`+s+`"`) || !strings.Contains(js, `"state":"Enabled"`) {
			t.Errorf("subscription %s: %d %s", s, code, js)
		}
		code, body = get(t, srv, "/subscriptions/"+s+"/locations?api-version=2022-12-01", token)
		if js := mustJSON(body); code != 200 || !strings.Contains(js, `"id":"/subscriptions/`+s+`/locations/eastus2"`) {
			t.Errorf("locations of %s: %d %s", s, code, js)
		}
	}
	code, body := get(t, srv, "/subscriptions/00000000-0000-0000-0000-00000000ffff?api-version=2022-12-01", token)
	if code != 404 || !strings.Contains(mustJSON(body), "SubscriptionNotFound") {
		t.Errorf("unknown subscription: %d %v", code, body)
	}
}
