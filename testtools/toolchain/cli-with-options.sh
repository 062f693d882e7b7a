#!/usr/bin/env bash
# Makes ROOT/bin a Pulumi CLI whose Go language host honours the program's
# runtime options. Current language hosts read Pulumi.yaml's runtime options
# from the CLI; the one built here (sdk v3.62.0, the newest whose host the
# module proxy serves) takes them only as flags, and CLI 3.274 passes none.
# The CLI starts the language host found beside its own executable, so the
# cached CLI is hard-linked (or copied) beside a wrapper of the cached host
# that passes, as flags:
#   -binary $E2E_PROGRAM_BIN   when set: the e2e suite's program, built once;
#   -buildTarget <path>        else Pulumi.yaml's runtime option buildTarget.
# Usage: testtools/toolchain/cli-with-options.sh ROOT
set -euo pipefail
ROOT=$1
BIN=${E2E_CACHE:-$HOME/.cache/aks-openai-e2e}/bin
mkdir -p "$ROOT/bin"
ln -f "$BIN/pulumi" "$ROOT/bin/pulumi" 2>/dev/null || cp "$BIN/pulumi" "$ROOT/bin/pulumi"
cat > "$ROOT/bin/pulumi-language-go" <<HOST
#!/bin/sh
if [ -n "\$E2E_PROGRAM_BIN" ]; then
  exec "$BIN/pulumi-language-go" -binary "\$E2E_PROGRAM_BIN" "\$@"
fi
target=\$(sed -n 's/^ *buildTarget: *//p' Pulumi.yaml 2>/dev/null | head -n 1)
if [ -n "\$target" ]; then
  exec "$BIN/pulumi-language-go" -buildTarget "\$target" "\$@"
fi
exec "$BIN/pulumi-language-go" "\$@"
HOST
chmod +x "$ROOT/bin/pulumi-language-go"
