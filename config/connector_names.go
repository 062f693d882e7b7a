package config

// Service Connector creates a service account and a secret in the cluster
// for each AKS connection. Their names are observed conventions, not a
// documented contract, so they are derived here and nowhere else, and both
// can be overridden from config when Azure changes them. In direct mode the
// program creates both itself, under names of its own.

// Names of the objects direct mode creates.
const (
	DirectServiceAccountName = "sc-demo-openai-identity"
	DirectSecretName         = "sc-demo-openai-identity-connection"
)

// serviceAccountNameFor is the service account Service Connector creates
// for a workload identity connection with the given identity client id.
func serviceAccountNameFor(identityClientID string) string {
	return "sc-account-" + identityClientID
}

// secretNameFor is the secret Service Connector creates for a connection.
func secretNameFor(connectionName string) string {
	return "sc-" + connectionName + "-secret"
}

// ExpectedSecretName is the secret the workload reads: the override if set.
func (c *Config) ExpectedSecretName() string {
	switch {
	case c.SecretName != "":
		return c.SecretName
	case c.ConnectionMode == ModeDirect:
		return DirectSecretName
	}
	return secretNameFor(c.ConnectionName)
}

// ExpectedServiceAccountName is the service account the workload runs as:
// the override if set, else the mode's name for the identity's client id.
func (c *Config) ExpectedServiceAccountName(identityClientID string) string {
	switch {
	case c.ServiceAccountName != "":
		return c.ServiceAccountName
	case c.ConnectionMode == ModeDirect:
		return DirectServiceAccountName
	}
	return serviceAccountNameFor(identityClientID)
}
