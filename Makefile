# The two everyday commands: `make deploy` and `make test`.
STACK ?= dev
# A local state backend (~/.pulumi) unless you point elsewhere.
export PULUMI_BACKEND_URL ?= file://~

.PHONY: deploy destroy recover test test-tools schema lint e2e mutate bench local-up local-down

deploy:
	pulumi stack select --create $(STACK)
	pulumi up --stack $(STACK)

destroy:
	pulumi destroy --stack $(STACK)

# After an interrupted `up` (a cancelled CI job, a timeout, a closed
# laptop): removes the dead run's lock, adopts what Azure finished for the
# creates that were in flight, refreshes. docs/failures.md, "An interrupted up".
# FORCE=1 also removes a lock taken on another machine.
recover:
	go run ./recovery -stack $(STACK) $(if $(FORCE),-force)

# What checks the program: its unit tests (the Pulumi mocks), the demo
# app's, and the docs' (docs/). The test tools' own tests run with `make e2e`.
# Unit tests need no optimised code, and the SDKs' generated packages (most
# of a cold build) compile about twice as fast without it: CONTRIBUTING.md,
# "How long the checks take".
NOOPT := -gcflags='all=-N -l'
test:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet $(NOOPT) ./...
	go test $(NOOPT) ./...
	cd demo && go vet $(NOOPT) ./... && go test $(NOOPT) ./...

# The test tools' own tests (the stand-in, the node agent, ...) and the
# suite's vet: they check the tools, not the program, and need the tools'
# modules (client-go, gRPC), so they run before the suite, not in `make test`.
test-tools:
	cd testtools && go vet ./... && go test ./...
	cd e2e && go vet -tags e2e ./...

# The stand-in's input schema, regenerated from the azure-native SDK modules
# this go.mod pins (run it after bumping one); a test-tools test fails when
# the checked-in file differs.
schema:
	cd testtools && go run ./azurestandin/genschema -out azurestandin/standin/schema.json

# The GitHub Actions workflows, checked with actionlint built from its Go
# module (pinned in testtools/actionlint/go.mod).
E2E_CACHE ?= $(HOME)/.cache/aks-openai-e2e
lint:
	cd testtools/actionlint && go build -trimpath -o $(E2E_CACHE)/bin/actionlint github.com/rhysd/actionlint/cmd/actionlint
	$(E2E_CACHE)/bin/actionlint -no-color -shellcheck= -pyflakes=
	@echo "actionlint: $$(ls .github/workflows/*.yml | wc -l) workflows clean"

# End to end, no cloud: the real Pulumi engine against a local Kubernetes
# API server and a local stand-in for Azure (tools built once, cached).
e2e: test-tools
	bash testtools/e2e.sh

# Mutation check: each one-line mutation of testtools/mutate/mutations.txt
# must make `go test` fail. Not in CI (minutes); run it after changing the
# program's wiring.
mutate:
	cd testtools && go run ./mutate

# The inner loop's figures: warm rebuild after a one-line edit, and a
# no-change preview of the dev stack in the local playground (median of 5).
bench:
	bash testtools/bench.sh

# A local playground: the dev stack's real `pulumi up` against a local model
# of Azure and AKS (the e2e tools), left running; see docs/playground.md.
local-up:
	bash testtools/local-up.sh

local-down:
	bash testtools/local-down.sh
