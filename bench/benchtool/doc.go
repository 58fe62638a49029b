// Command benchtool holds the helpers of the load commands in bench/: loopback
// targets, a stand-in collector, a probe runner that measures the CPU our
// checks use, and a load driver for blackbox_exporter that measures the CPU
// the exporter uses. The scripts bench/blackbox-compare.sh and
// bench/idle-agent.sh drive it; it is not part of the product. It builds
// on Linux only (CPU times come from getrusage and /proc); elsewhere the
// command just says so, so that the module cross-builds for Windows.
//
//	benchtool targets -tcp 10 -http 10 -https 0 -out FILE -ca FILE   serve loopback targets
//	benchtool collector -out FILE                  answer result batches with 200
//	benchtool probe -targets FILE -k 4000 -c 4     run our checks, print CPU per probe
//	benchtool drive -targets FILE -url URL -pid N  drive /probe, print the exporter's CPU per probe
//	                                               (-pid 0: one round of probes, no measurement)
//	benchtool freeport                             print a free loopback port
package main
