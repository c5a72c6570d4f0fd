// Preloaded by the benchmark (node -r): writes this process's peak RSS (KiB) to $BENCH_RSS_FILE on exit.
"use strict";
process.on("exit", () => {
  if (process.env.BENCH_RSS_FILE) require("fs").writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
