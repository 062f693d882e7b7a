// Package workflowcheck checks the invariants of the GitHub Actions
// workflows in .github/ (pinned actions, least permissions, the promotion
// gates, the destroy guard, one CLI version). It lives in a package of its
// own, at the repository's root next to .github/, because the go command
// skips directories whose names start with a dot: a package inside .github/
// would never run under `go test ./...`. It has only tests; the repository's
// root, where .github/ is, is "..".
package workflowcheck
