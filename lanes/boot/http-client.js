#!/usr/bin/env node
// The load balancer's side of the task's network, run inside the task's network namespace:
//   get <url>            one GET with the Host header the load balancer's health check sends (the task's IP)
//   slow <url> <seconds>  a GET whose 16-byte body is sent over <seconds>: in flight while the task stops
// Prints "status N", or the error that ended the request.
"use strict";
const http = require("http");

const [mode, url, seconds] = process.argv.slice(2);
const bodyLength = 16;
const request = http.request(url, {
  method: "GET",
  headers: { Host: "10.0.3.17", ...(mode === "slow" ? { "Content-Length": bodyLength } : {}) },
  agent: false,
});
request.setTimeout(60000, () => request.destroy(new Error("timed out after 60 s")));
request.on("response", (response) => {
  response.resume();
  response.on("end", () => console.log(`status ${response.statusCode}`));
  response.on("error", (e) => console.log(`error ${e.code || e.message}`));
});
request.on("error", (e) => console.log(`error ${e.code || e.message}`));
if (mode === "slow") {
  request.flushHeaders();
  let sent = 0;
  const step = (Number(seconds) * 1000) / bodyLength;
  const timer = setInterval(() => {
    request.write("x");
    if (++sent === 2) console.log("sending"); // the server has the request line and part of the body
    if (sent === bodyLength) {
      clearInterval(timer);
      request.end();
    }
  }, step);
} else {
  request.end();
}
