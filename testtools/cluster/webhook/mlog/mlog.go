// Package mlog stands in for monis.app/mlog, of which the module proxy
// serves nothing: just the API Azure's workload identity webhook v1.5.1
// uses (cmd/webhook, pkg/webhook), written on log/slog. Lines are JSON on
// stderr, like mlog's FormatJSON.
package mlog

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"

	"github.com/go-logr/logr"
)

// LogLevel is a verbosity, in mlog's names.
type LogLevel string

// The levels, in order of increasing verbosity; the empty level logs
// warnings and errors only.
const (
	LevelWarning LogLevel = "warning"
	LevelInfo    LogLevel = "info"
	LevelDebug   LogLevel = "debug"
	LevelTrace   LogLevel = "trace"
	LevelAll     LogLevel = "all"
)

// LogFormat is an output format; only JSON is offered.
type LogFormat string

// FormatJSON writes one JSON object a line.
const FormatJSON LogFormat = "json"

// LogSpec is what ValidateAndSetLogLevelAndFormatGlobally sets.
type LogSpec struct {
	Level  LogLevel
	Format LogFormat
}

// slog levels for mlog's: below Debug for trace and all.
var slogLevels = map[LogLevel]slog.Level{
	"":           slog.LevelWarn,
	LevelWarning: slog.LevelWarn,
	LevelInfo:    slog.LevelInfo,
	LevelDebug:   slog.LevelDebug,
	LevelTrace:   slog.LevelDebug - 4,
	LevelAll:     slog.LevelDebug - 8,
}

var (
	level   = new(slog.LevelVar)
	handler atomic.Pointer[slog.Handler]
)

func init() {
	level.Set(slog.LevelWarn)
	h := slog.Handler(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	handler.Store(&h)
}

func root() slog.Handler { return *handler.Load() }

// ValidateAndSetLogLevelAndFormatGlobally checks spec and applies it to
// every logger.
func ValidateAndSetLogLevelAndFormatGlobally(_ context.Context, spec LogSpec) error {
	l, ok := slogLevels[spec.Level]
	if !ok {
		return fmt.Errorf("unknown log level %q: want one of \"\", info, debug, trace, all", spec.Level)
	}
	if spec.Format != "" && spec.Format != FormatJSON {
		return fmt.Errorf("unknown log format %q: only %q is implemented here", spec.Format, FormatJSON)
	}
	level.Set(l)
	return nil
}

// Enabled tells whether messages at l are written.
func Enabled(l LogLevel) bool {
	sl, ok := slogLevels[l]
	return ok && sl >= level.Level()
}

// Setup returns the function that flushes logs at exit (none are buffered).
func Setup() func() { return func() {} }

// Fatal logs err and exits with status 1.
func Fatal(err error, keysAndValues ...any) {
	New().Error("fatal", err, keysAndValues...)
	os.Exit(1)
}

// Logr is a logr.Logger on the same output, for controller-runtime.
func Logr() logr.Logger { return logr.FromSlogHandler(root()) }

// Logger is mlog's structured logger.
type Logger interface {
	Error(msg string, err error, keysAndValues ...any)
	Warning(msg string, keysAndValues ...any)
	Info(msg string, keysAndValues ...any)
	Debug(msg string, keysAndValues ...any)
	Trace(msg string, keysAndValues ...any)
	All(msg string, keysAndValues ...any)
	WithValues(keysAndValues ...any) Logger
	WithName(name string) Logger
}

// New is a logger with no name and no values.
func New() Logger { return logger{l: slog.New(root())} }

type logger struct {
	l    *slog.Logger
	name string
}

func (g logger) log(l slog.Level, msg string, kv ...any) {
	if g.name != "" {
		kv = append([]any{"logger", g.name}, kv...)
	}
	g.l.Log(context.Background(), l, msg, kv...)
}

func (g logger) Error(msg string, err error, kv ...any) {
	g.log(slog.LevelError, msg, append([]any{"error", err}, kv...)...)
}
func (g logger) Warning(msg string, kv ...any) { g.log(slog.LevelWarn, msg, kv...) }
func (g logger) Info(msg string, kv ...any)    { g.log(slog.LevelInfo, msg, kv...) }
func (g logger) Debug(msg string, kv ...any)   { g.log(slog.LevelDebug, msg, kv...) }
func (g logger) Trace(msg string, kv ...any)   { g.log(slogLevels[LevelTrace], msg, kv...) }
func (g logger) All(msg string, kv ...any)     { g.log(slogLevels[LevelAll], msg, kv...) }

func (g logger) WithValues(kv ...any) Logger { return logger{l: g.l.With(kv...), name: g.name} }

func (g logger) WithName(name string) Logger {
	if g.name != "" {
		name = g.name + "." + name
	}
	return logger{l: g.l, name: name}
}
