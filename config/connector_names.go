package config

// Service Connector creates a service account and a secret in the cluster
// for each AKS connection. Their names are observed conventions, not a
// documented contract, so they are derived here and nowhere else, and both
// can be overridden from config when Azure changes them.

// ServiceAccountNameFor is the service account Service Connector creates
// for a workload identity connection with the given identity client id.
func ServiceAccountNameFor(identityClientID string) string {
	return "sc-account-" + identityClientID
}

// SecretNameFor is the secret Service Connector creates for a connection.
func SecretNameFor(connectionName string) string {
	return "sc-" + connectionName + "-secret"
}

// ExpectedSecretName is the secret the workload reads: the override if set.
func (c *Config) ExpectedSecretName() string {
	if c.SecretName != "" {
		return c.SecretName
	}
	return SecretNameFor(c.ConnectionName)
}

// ExpectedServiceAccountName is the service account the workload runs as:
// the override if set, else the convention for the identity's client id.
func (c *Config) ExpectedServiceAccountName(identityClientID string) string {
	if c.ServiceAccountName != "" {
		return c.ServiceAccountName
	}
	return ServiceAccountNameFor(identityClientID)
}
