#!/usr/bin/env node
// Keeps @vercel/cosmosdb-server (HTTPS, the package's self-signed cert) alive on 127.0.0.1 for
// the test suite. Usage: node cosmos_server.js [port|0] [request-log.jsonl]
// Prints {"port": N} on stdout once listening. With a log path, appends one JSON line per
// request (method, url, headers, body, status) so tests can check what the SDK sent on the wire.
// Exits when stdin closes, so a crashed parent never leaves a server behind.
"use strict";

const fs = require("fs");
const { createHttpsServer } = require("@vercel/cosmosdb-server");

const port = Number.parseInt(process.argv[2] || "0", 10);
const logPath = process.argv[3];
const log = logPath ? fs.openSync(logPath, "a") : null;

// keepAlive: the package answers "connection: close" otherwise, a TLS handshake per request.
const server = createHttpsServer({ keepAlive: true });

if (log !== null) {
  // Runs before the package's listener; both see every body chunk of the same stream. The line
  // is written synchronously before the answer leaves, so a client that got its response can
  // read its request in the log.
  server.prependListener("request", (req, res) => {
    const chunks = [];
    req.on("data", chunk => chunks.push(chunk));
    const end = res.end.bind(res);
    res.end = (...args) => {
      const line = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        status: res.statusCode
      };
      fs.writeSync(log, `${JSON.stringify(line)}\n`);
      return end(...args);
    };
  });
}

server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

const stop = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
