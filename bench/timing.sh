# Timing and logging shared by the benchmarks (sourced; needs nothing else).
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
log() { echo "[$(date +%H:%M:%S)] $*"; }
