// Package infra holds the Azure side of the tutorial, one component per
// concept: resource group, cluster, OpenAI, registry and image, identity and
// the Service Connector link.
package infra

// typePrefix starts the type token of every component in this package.
const typePrefix = "aksopenai:infra:"
