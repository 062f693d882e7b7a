// Package infra holds the Azure side of the tutorial, one component per
// concept: resource group, cluster, OpenAI, registry and image, identity,
// and the workload's access either way: the Service Connector link, or
// (direct mode) the federated credential and OpenAI role it would create.
package infra

// typePrefix starts the type token of every component in this package.
const typePrefix = "aksopenai:infra:"
