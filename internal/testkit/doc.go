// Package testkit is test support, not part of picam: the plumbing that picam's test harnesses
// (test/e2e, test/bench, test/sdcard, test/hil/runner, test/hil/probe) and the packages'
// tests share. It picks free loopback TCP ports, builds picam-server and picam-client once per
// test process, runs child processes with their output captured, a bounded wait, a readiness
// line to wait for and a kill when the test ends, finds the tools a test runs (failing with the
// package to install), and reads the host's load for reports.
//
// It imports neither package testing nor any picam package, so the harnesses that are plain
// programs (the benchmark, the HIL runner and the probe that runs on the target) can use it
// too; the test-only helpers take a TB, which *testing.T satisfies.
package testkit

// TB is the part of testing.TB that the test-only helpers (Ports, StartT, NeedTool) use.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Failed() bool
	Cleanup(func())
}
