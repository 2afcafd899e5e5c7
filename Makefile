# picam: build, test and demo. `make demo` and `make test` are the two commands the README
# promises work on a fresh Debian machine.
SHELL := /bin/bash
GO ?= go
BIN := bin
DIST := dist
PY := /usr/bin/python3
# Debian packages the tests need: the Python NetGear stand-ins (pyzmq on libzmq, numpy, PIL);
# busybox is the SD card's shell and awk, for test/sdcard's host test of the init scripts.
APT_PACKAGES := python3-zmq python3-numpy python3-pil ffmpeg curl chromium gcc libturbojpeg0-dev libopenh264-dev busybox
# The RTSP output's real clients (rtsp tests): GStreamer's rtspsrc, depayloaders and decoders.
APT_PACKAGES += gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav
# qemu-user: qemu-arm and qemu-aarch64 run the 32- and 64-bit ARM test binaries (unit, and
# make release's checks of the ARM binaries).
# make release, release-test and fresh-check: Debian's packager and linter, the throwaway
# Debian root, systemd-analyze, `file`; ca-certificates for go mod download (a minbase Debian
# has no CA bundle); libc6-dev, the C headers cgo and the race detector need (only a Recommends
# of gcc, so a fresh machine lacked it: make fresh-check).
APT_PACKAGES += qemu-user libc6-dev ca-certificates dpkg-dev lintian debootstrap systemd xz-utils file
# Updates (update/, make bundle): Debian's rauc (1.8) builds and checks signed bundles on this
# machine, and runs mksquashfs for them; openssl makes make bundle's test keys.
APT_PACKAGES += rauc squashfs-tools openssl
# test/sdcard runs the Buildroot image's post-image.sh (the tryboot boot partition) with genimage.
APT_PACKAGES += genimage mtools dosfstools
# --publish tests and make bench: the relay picam publishes to (nginx with Debian's RTMP module).
APT_PACKAGES += nginx libnginx-mod-rtmp
# mDNS (mdns/, --mdns): dig (dnsutils, ISC's resolver) is the independent querier of its tests;
# sdcard-test's TestCardAnswersMulticastDNS makes its private network with ip (iproute2).
APT_PACKAGES += dnsutils iproute2
FUZZTIME ?= 5s
# Build tags of the cgo codecs (libjpeg-turbo, OpenH264), whose tests unit runs too.
TAGS_CGO := turbojpeg openh264
# staticcheck runs in lint; make deps installs this version into TOOLS (not into go.mod).
STATICCHECK_VERSION := v0.8.2
TOOLS := $(abspath $(BIN))/tools
LDFLAGS := -s -w

.PHONY: all build cross test deps lint unit e2e fuzz interop demo bench clean hil sdcard sdcard-test buildroot

all: build

build:
	$(GO) build -o $(BIN)/picam-server ./cmd/picam-server
	$(GO) build -o $(BIN)/picam-client ./cmd/picam-client

# Static binaries for the Pis (arm64: Pi 3/4/5/Zero 2 W on a 64-bit OS; armv7 and armv6 for
# 32-bit OSes and the Pi Zero/1) and for laptops.
cross:
	@set -e; for t in linux/arm64/ linux/arm/7 linux/arm/6 linux/amd64/; do \
	  IFS=/ read -r os arch arm <<<"$$t"; \
	  out=$(DIST)/$$os-$$arch$${arm:+v$$arm}; mkdir -p $$out; \
	  echo "cross $$out"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch GOARM=$$arm $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $$out/picam-server ./cmd/picam-server; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch GOARM=$$arm $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $$out/picam-client ./cmd/picam-client; \
	done

# deps installs what the tests need, once: Debian packages (as root, or through sudo) and Go
# modules.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq || echo "deps: apt-get update reported errors; installing from the lists there are" >&2; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $$missing; \
	fi
	$(GO) mod download
	@$(TOOLS)/staticcheck -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION:v%=%))' || \
	  { echo "installing staticcheck $(STATICCHECK_VERSION) into $(TOOLS)"; \
	    GOBIN=$(TOOLS) GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); }

# vendor refreshes vendor/ (committed: the Buildroot build is offline) after a go.mod change.
# gofmt then rewrites the few upstream files whose doc comments predate Go 1.19's comment
# format (google/uuid, beorn7/perks), so every .go file in the tree is gofmt-clean; it changes
# comments only.
.PHONY: vendor
vendor:
	$(GO) mod vendor
	gofmt -w vendor

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' ':!vendor' 2>/dev/null || find . -name '*.go' -not -path './vendor/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@# Every package must build for the Pis: 64-bit, and 32-bit ARMv6 (Zero, Pi 1) and ARMv7.
	@set -e; for t in arm64/ arm/6 arm/7; do \
	  IFS=/ read -r arch arm <<<"$$t"; echo "go build ./... for linux/$$arch$${arm:+ GOARM=$$arm}"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch GOARM=$$arm $(GO) build -trimpath ./...; \
	done
	@# go vet of the 32-bit ARM files, then staticcheck of the default build and the cgo codecs
	@# (staticcheck v0.8.2 with GOARCH=arm sizes the 80-byte v4l2_buffer as 88 and stops there).
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=6 $(GO) vet ./hw/... ./test/hil/probe
	@# go vet's asmdecl check of image's arm64 assembly (the amd64 one is in go vet ./... above).
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) vet ./image
	@[ -x $(TOOLS)/staticcheck ] || { echo "lint: no $(TOOLS)/staticcheck: run make deps" >&2; exit 1; }
	$(TOOLS)/staticcheck ./...
	$(TOOLS)/staticcheck -tags '$(TAGS_CGO)' ./codec/...

# Package tests under the race detector; the process-level tests in test/ run afterwards, one
# package at a time, so their timing checks do not compete with the unit tests for the CPU.
# Then the cgo codecs (libjpeg-turbo, OpenH264: make deps installs them) in every package that
# links them, and the packages with architecture-specific code (v4l2_buffer layouts, ioctls,
# GPIO structs; image's NEON conversion, checked against the old Go code) as 32-bit ARMv6/ARMv7
# and arm64 binaries under QEMU user mode.
ARCH_PKGS := ./hw/... ./test/hil/probe ./image
unit:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v '/test/')
	$(GO) test -race -count=1 -tags '$(TAGS_CGO)' $$($(GO) list -tags '$(TAGS_CGO)' -f '{{.ImportPath}} {{join .Deps " "}}' ./... | \
	  awk '$$1 !~ /\/test\// && /(^| )[^ ]*codec\/(turbojpeg|openh264)( |$$)/ {print $$1}')
	@set -e; for t in arm64/:qemu-aarch64 arm/6:qemu-arm arm/7:qemu-arm; do \
	  IFS=/: read -r arch arm q <<<"$$t"; echo "go test ($$q) for linux/$$arch$${arm:+ GOARM=$$arm}: $(ARCH_PKGS)"; \
	  command -v $$q >/dev/null || { echo "unit: $$q not found: apt-get install qemu-user (make deps)" >&2; exit 1; }; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch GOARM=$$arm $(GO) test -count=1 -exec $$q $(ARCH_PKGS); \
	done

e2e:
	$(GO) test -count=1 -p 1 ./test/...

# The issue-16 soak, not part of make test: the real binaries under every bounded attack for
# SOAK_DURATION (it stops by itself), printing RSS, FDs and goroutines first/last/max.
SOAK_DURATION ?= 30m
.PHONY: soak
soak:
	SOAK_DURATION=$(SOAK_DURATION) $(GO) test -tags soak -run '^TestSoak$$' -count=1 -v -timeout 0 ./test/e2e/

# A short run of every fuzz target (the full corpus runs as unit tests above). A finding is a
# failing input written to testdata/fuzz; a bare "context deadline exceeded" is Go 1.26's
# coordinator race at the end of -fuzztime (golang/go#75804), not a finding. Each package with
# Fuzz functions in its test files is built once, instrumented (go test -c -fuzz), and its
# binary runs each target from the package's folder with go test's fuzz cache, as go test
# -fuzz does, without linking the binary again for every target.
fuzz:
	@set -e; bin=$$(mktemp -d)/fuzz.test; trap 'rm -rf "$$(dirname $$bin)"' EXIT; cache=$$($(GO) env GOCACHE)/fuzz; \
	$(GO) list -f '{{.ImportPath}} {{.Dir}}{{range .TestGoFiles}} {{$$.Dir}}/{{.}}{{end}}{{range .XTestGoFiles}} {{$$.Dir}}/{{.}}{{end}}' ./... | \
	while read -r pkg dir files; do \
	  [ -n "$$files" ] && grep -qs '^func Fuzz' $$files || continue; \
	  $(GO) test -c -fuzz . -o $$bin $$pkg; \
	  for f in $$($$bin -test.list '^Fuzz'); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    out=$$(cd $$dir && $$bin -test.run '^$$' -test.fuzz "^$$f$$" -test.fuzztime $(FUZZTIME) -test.fuzzcachedir "$$cache/$$pkg" 2>&1) || { \
	      if grep -q 'Failing input written' <<<"$$out" || ! grep -q 'context deadline exceeded' <<<"$$out"; then echo "$$out"; exit 1; fi; \
	      echo "  not a finding: Go 1.26's fuzz coordinator reported its own end-of-fuzztime deadline (golang/go#75804, fixed in 1.27) and wrote no failing input"; }; \
	  done; \
	done

# One stand-in test at a time: their timing checks are for NetGear's behaviour, not for a
# machine busy with four Python processes at once.
interop:
	JOBS=1 bash test/interop/selftest.sh

# make test runs the stages one after the other and prints how long each took, so a slow stage
# shows in CI's log. The last QEMU step boots the SD-card image in QEMU raspi3b (sdcard-test:
# its card and update tests run side by side, two guests on two cores).
TEST_STAGES := deps lint unit fuzz interop e2e hil sdcard-test release-test
test:
	@set -e; t0=$$(date +%s); for s in $(TEST_STAGES); do \
	  s0=$$(date +%s); $(MAKE) --no-print-directory $$s; \
	  echo "== make $$s: $$(( $$(date +%s) - s0 )) s (make test so far: $$(( $$(date +%s) - t0 )) s)"; \
	done

# A server on the test pattern streaming to two local clients for 10 s; the clients print their
# statistics, then the JSON summaries of all three are shown.
demo: build
	@set -e; trap 'kill $$c1 $$c2 2>/dev/null || true' EXIT; \
	$(BIN)/picam-client --address 127.0.0.1 --port 5577 --pattern 2 --json > $(BIN)/demo-5577.json & c1=$$!; \
	$(BIN)/picam-client --address 127.0.0.1 --port 5578 --pattern 2 --json > $(BIN)/demo-5578.json & c2=$$!; \
	sleep 0.3; \
	$(BIN)/picam-server --source testsrc --address 127.0.0.1 --ports 5577,5578 --pattern 2 --codec jpeg --frames 300 --json > $(BIN)/demo-server.json; \
	wait $$c1 $$c2; trap - EXIT; \
	echo; echo "== server"; cat $(BIN)/demo-server.json; \
	echo "== client 5577"; cat $(BIN)/demo-5577.json; \
	echo "== client 5578"; cat $(BIN)/demo-5578.json

# Hardware-in-the-loop (test/hil/README.md): the arm64 picam-server and a probe in a QEMU arm64
# guest with stand-in devices (vivid camera, vicodec encoder, gpio-sim LED and button), streaming
# to picam-client and the NetGear peer on this machine. Against a real Pi instead:
#   make hil HIL_TARGET=ssh://pi@raspberrypi.local HIL_HOST_ADDR=<this machine's LAN address>
# HIL_BREAK=hflip (or modules, server, boot) breaks a step on purpose to see the failure report.
HIL_CACHE ?= $(HOME)/.cache/picam-hil
HIL_TARGET ?= qemu
HIL_ARTIFACTS ?= test/hil/artifacts
HIL_TIMEOUT ?= 240s
hil:
	@set -e; \
	if [ "$(HIL_TARGET)" = qemu ]; then bash test/hil/deps.sh qemu; bash test/hil/prepare.sh "$(HIL_CACHE)"; \
	else bash test/hil/deps.sh ssh; fi; \
	$(GO) run ./test/hil/runner -target "$(HIL_TARGET)" -cache "$(HIL_CACHE)" -artifacts "$(HIL_ARTIFACTS)" \
	  -timeout "$(HIL_TIMEOUT)" -break "$(HIL_BREAK)" -host-addr "$(HIL_HOST_ADDR)" \
	  $(if $(HIL_FRAMES),-frames "$(HIL_FRAMES)") $(if $(HIL_CODEC),-codec "$(HIL_CODEC)") \
	  $(if $(HIL_LED),-led "$(HIL_LED)") $(if $(HIL_SERVER_ARGS),-server-args "$(HIL_SERVER_ARGS)") \
	  $(if $(HIL_WATCH_LED),-watch-led "$(HIL_WATCH_LED)") $(if $(filter 0,$(HIL_GOTESTS)),-gotests=false)

bench: build
	$(GO) run ./test/bench $(BENCHFLAGS)
	$(GO) run ./test/bench codecs $(filter --quick,$(BENCHFLAGS))
	$(GO) run ./test/bench relay $(filter --quick,$(BENCHFLAGS))

clean:
	rm -rf $(BIN) $(DIST)

# Release files in dist/ (packaging/release.sh, README "Install"): static binaries for linux
# arm64, armv7, armv6 and amd64, .deb packages for arm64, armhf and amd64, sdcard.img.xz and
# SHA256SUMS, byte-identical for the same commit. RELEASE_IMAGE=0 leaves the image out, =1
# insists on it (default: added when make sdcard's cache exists).
.PHONY: release release-test fresh-check
release:
	bash packaging/release.sh $(DIST)

# The release checks (about 2-3 min warm): make release twice without the image, byte-identical;
# static binaries of the right architectures, the ARM ones run under qemu-arm/qemu-aarch64;
# lintian; the amd64 .deb installed, upgraded (edited conffile kept) and purged in a throwaway
# Debian 12 root with nothing left behind; systemd-analyze verify/security of the unit; the
# unit's ExecStart run as its user under a supervisor that restarts it like systemd.
release-test:
	bash test/release/release-test.sh

# Every apt package a target needs is named (issue 15): the deps scripts run in a fresh
# debootstrap minbase Debian 12 root, then QEMU must find its ROMs and the tests' programs must
# be there. Slow on the first run (downloads); not part of make test.
fresh-check:
	bash test/debroot/fresh-check.sh

# The flashable SD-card image (buildroot/README.md). `make sdcard` builds it offline here from
# Debian's arm64 kernel and raspi-firmware (through the HIL cache) plus our static arm64 binaries;
# `make sdcard-test` boots it in QEMU raspi3b: streaming, picam.conf edits, 10 hard resets and
# the time to the first frame (SDCARD_TESTFLAGS=-first-frame-limit=30s changes the bound);
# `make buildroot BOARD=rpi4` is the real Buildroot build (needs the internet).
SDCARD_OUT ?= $(BIN)/sdcard
sdcard:
	@set -e; bash buildroot/offline/deps.sh; bash test/hil/prepare.sh "$(HIL_CACHE)"; \
	for c in picam-server:./cmd/picam-server picam-client:./cmd/picam-client; do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/arm64/$${c%%:*} $${c#*:}; \
	done; \
	bash buildroot/offline/update-keys.sh "$(UPDATE_KEYS)"; \
	UPDATE_KEYRING="$(UPDATE_KEYS)/ca.cert.pem" bash buildroot/offline/mk-sdcard.sh "$(HIL_CACHE)" $(BIN)/arm64 $(SDCARD_OUT)

# make bundle: a signed update bundle of the root make sdcard puts on the card (README, Updates),
# $(SDCARD_OUT)/update.raucb. UPDATE_KEYS holds the signing keys: test keys are made there once
# (never commit them); point it at your own CA and signer instead.
UPDATE_KEYS ?= $(HOME)/.config/picam/update-keys
.PHONY: bundle
bundle: sdcard
	@DEPS_LABEL=bundle bash test/hil/deps.sh qemu rauc squashfs-tools openssl
	bash buildroot/offline/mk-bundle.sh "$(UPDATE_KEYS)" $(SDCARD_OUT)

sdcard-test: sdcard
	$(GO) test -tags sdcard -count=1 -v -parallel 2 -timeout 30m ./test/sdcard/ -args -image $(abspath $(SDCARD_OUT))/sdcard.img -update-keys "$(UPDATE_KEYS)" $(SDCARD_TESTFLAGS)

BOARD ?= rpi4
BUILDROOT_REPO ?= https://gitlab.com/buildroot.org/buildroot.git
BUILDROOT_REF ?= e991fa07
BUILDROOT_DIR ?= $(HOME)/.cache/picam-buildroot
buildroot:
	@bash buildroot/build.sh "$(BOARD)" "$(BUILDROOT_REPO)" "$(BUILDROOT_REF)" "$(BUILDROOT_DIR)"
