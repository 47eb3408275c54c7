#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ with -sanitize=fuzzer,address and runs each one for a
# bounded time (Docs/fuzzing.md).
#
#   scripts/fuzz.sh [target...]   FUZZ_SECONDS each (default 60), release build; what `make fuzz` runs
#   scripts/fuzz.sh --smoke       FUZZ_SECONDS each (default 5), debug build; what `make test` runs
#                                 after the unit tests; skips with one line when the toolchain has no libFuzzer
# FUZZ_CONFIG=debug|release overrides the build: release runs about 6x more inputs per second,
# debug also keeps the standard library's bounds checks on unsafe buffers (ASan only sees accesses
# outside an allocation), which is worth more than speed in a 5-second smoke run.
#
# Everything generated stays in .build-fuzz/ (git-ignored): build/ (the sanitized build),
# corpus/<target>/ (inputs the fuzzer found worth keeping; grows across runs; the smoke run uses
# a fresh smoke-corpus/<target>/ instead), logs/<target>.log,
# and findings/<target>/ where a crashing input is written (crash-*, leak-*, timeout-*, oom-*).
# Seeds are read from Fuzz/Seeds/<target>/ and from Fixtures/. Exits 1 when anything was found.
set -uo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
seconds=${FUZZ_SECONDS:-$([ "$smoke" -eq 1 ] && echo 5 || echo 60)}
config=${FUZZ_CONFIG:-$([ "$smoke" -eq 1 ] && echo debug || echo release)}
out=.build-fuzz

# target name, binary, dictionary (- for none), seed directories (the writable corpus comes first)
targets=(
  "http-request FuzzHTTPRequest http Fuzz/Seeds/http-request Fixtures/http"
  "http-response FuzzHTTPResponse http Fuzz/Seeds/http-response Fixtures/http-client"
  "websocket FuzzWebSocket websocket Fuzz/Seeds/websocket"
  "json FuzzJSON json Fuzz/Seeds/json Fixtures/whatsapp Fixtures/wamp"
  "wamp FuzzWAMP json Fuzz/Seeds/wamp"
  "resp FuzzRESP resp Fuzz/Seeds/resp Fixtures/resp"
  "webhook FuzzWebhook webhook Fuzz/Seeds/webhook Fixtures/whatsapp Fixtures/whatsapp-upstream"
  "handshake FuzzHandshake handshake Fuzz/Seeds/handshake"
  "client-frames FuzzClientFrames websocket Fuzz/Seeds/client-frames"
  "config FuzzConfig config Fuzz/Seeds/config"
)

# Can this toolchain link a libFuzzer binary at all? (Apple's Xcode toolchain cannot, for one.)
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
printf '@_cdecl("LLVMFuzzerTestOneInput") public func f(_ d: UnsafePointer<UInt8>?, _ n: Int) -> CInt { 0 }\n' > "$probe_dir/probe.swift"
if ! "${SWIFT}c" -parse-as-library -sanitize=fuzzer,address "$probe_dir/probe.swift" -o "$probe_dir/probe" >/dev/null 2>&1; then
  if [ "$smoke" -eq 1 ]; then
    echo "fuzz smoke: skipped, this Swift toolchain cannot link -sanitize=fuzzer,address binaries"
    exit 0
  fi
  echo "fuzz: this Swift toolchain cannot link -sanitize=fuzzer,address binaries (use a swift.org Linux toolchain)" >&2
  exit 2
fi

mkdir -p "$out"
# One run at a time: two would write the same logs and corpus.
exec 9> "$out/lock"
if ! flock -n 9; then
  echo "fuzz: another fuzz run is using $out; wait for it to finish" >&2
  exit 1
fi
echo "fuzz: building the fuzz targets ($config, -sanitize=fuzzer,address) into $out/build"
build_start=$(date +%s)
# ld.gold warns once per ASan helper symbol ("Cannot export local symbol"); only errors matter.
if ! (cd Fuzz && "$SWIFT" build -c "$config" --scratch-path "../$out/build" -Xswiftc -sanitize=fuzzer,address) \
     > "$out/build.log" 2>&1; then
  grep -v 'ld.gold: warning: Cannot export' "$out/build.log" | tail -30 >&2
  echo "fuzz: build failed (full log: $out/build.log)" >&2
  exit 1
fi
bin=$(cd Fuzz && "$SWIFT" build -c "$config" --scratch-path "../$out/build" --show-bin-path)
echo "fuzz: built in $(( $(date +%s) - build_start )) s"

# Selected targets (all by default).
selected=("$@")
found=0
summary=()
for entry in "${targets[@]}"; do
  read -r name binary dict seeds <<< "$entry"
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " == *" $name "* ]]; then continue; fi
  corpus=$out/corpus/$name findings=$out/findings/$name log=$out/logs/$name.log
  # The smoke run starts from the seeds alone, so its time and result do not depend on what
  # earlier runs collected.
  if [ "$smoke" -eq 1 ]; then corpus=$out/smoke-corpus/$name; rm -rf "$corpus"; fi
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  dict_flag=()
  [ "$dict" != - ] && dict_flag=(-dict="Fuzz/Dictionaries/$dict.dict")
  # The smoke run in `make test` uses a fixed seed: CI must not pass or fail by luck (FUZZ_SEED overrides).
  [ "$smoke" -eq 1 ] && dict_flag+=(-seed="${FUZZ_SEED:-1}")
  started=$(date +%s)
  # SWIFT_BACKTRACE=enable=no: the Swift runtime's backtracer would otherwise catch the crash
  # signal first (and keep the pipe open for 30 s); ASan and libFuzzer report it instead.
  # shellcheck disable=SC2086
  SWIFT_BACKTRACE=enable=no \
    "$bin/$binary" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "${dict_flag[@]}" \
    -artifact_prefix="$findings/" "$corpus" $seeds > "$log" 2>&1
  status=$?
  ran=$(( $(date +%s) - started ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  coverage=$(grep -aEo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
  artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
  if [ "$status" -eq 0 ] && [ -z "$artifact" ]; then
    verdict="nothing found"
  else
    found=1
    verdict="FOUND: $(grep -a -m1 -Eo 'invariant failed: .{0,120}|Fatal error: .{0,120}|ERROR: [A-Za-z]+: [a-z-]+|deadly signal|timeout|out-of-memory' "$log") -> ${artifact:-see $log}"
  fi
  line=$(printf '%-14s %4ss  %9s execs (%s/s)  %-32s %s' "$name" "$ran" "${execs:-?}" "${speed:-?}" "${coverage:-cov: ?}" "$verdict")
  echo "fuzz: $line"
  summary+=("$line")
done

[ "$smoke" -eq 1 ] && label="fuzz smoke" || label="fuzz"
echo "$label: ${#summary[@]} targets, ${seconds} s each; logs in $out/logs/, findings in $out/findings/"
if [ "$found" -ne 0 ]; then
  echo "$label: something was found; reproduce with $bin/<Target> <crash file>" >&2
  exit 1
fi
