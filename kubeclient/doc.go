// Package kubeclient reads the cluster's API with client-go while the
// program runs, where k8s/ declares Kubernetes resources for Pulumi: the
// wait for Service Connector's objects, and the demo pods' last words for
// the demo Job's error hook. The calls' types (ObjectWait, k8s.DemoAnswers)
// let the program's tests (mockrun_test.go) record them instead.
package kubeclient
