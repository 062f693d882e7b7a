// The subset of monis.app/mlog v0.0.4 that Azure's workload identity webhook
// (cmd/webhook and pkg/webhook of v1.5.1) calls, on log/slog. The original
// module is not served by the Go module proxy.
module monis.app/mlog

go 1.23

require github.com/go-logr/logr v1.4.2
