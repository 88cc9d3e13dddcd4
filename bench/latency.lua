-- Prints what wrk's --latency summary leaves out: requests completed and p99.9, in microseconds,
-- as "bench:" lines bench.py reads.
done = function(summary, latency, requests)
   io.write(string.format("bench: requests %d\n", summary.requests))
   io.write(string.format("bench: p99 %d\n", latency:percentile(99)))
   io.write(string.format("bench: p99.9 %d\n", latency:percentile(99.9)))
end
