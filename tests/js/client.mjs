// A socket.io client in Node for tests/test_realtime_node.py: what a browser would run.
//
//   node client.mjs <url> --token <jwt> [--transport websocket|default] [--events N]
//                   [--timeout SECONDS] [--read NOTIFICATION_ID|auto]
//
// Prints one JSON line per happening on stdout:
//   {"event":"open","transport":"polling"}        engine.io's connection opened
//   {"event":"upgrade","transport":"websocket"}   polling upgraded (--transport default)
//   {"event":"connect","transport":"websocket"}   socket.io connected (rooms already joined)
//   {"event":"ready"}                             connected, over a websocket by now
//   {"event":"connected","data":...}             the server's greeting once connected (not counted)
//   {"event":"<server event>","data":...}        each other event the server emits
//   {"event":"ack","data":...}                    the answer to --read's notification_read
//                                                 (once ready; with `auto`, of the first
//                                                 new_notification received, as an app would)
//   {"event":"connect_error","message":...}       refused (exit code 2)
//   {"event":"timeout"}                           --timeout passed first (exit code 3)
//   {"event":"error","message":...}               the ack never came (exit code 4)
//   {"event":"disconnect","reason":...}           the server let it go first (exit code 5)
// and exits 0 once it has received N server events (and the ack, if --read).

import { io } from "socket.io-client";

function parse(argv) {
  const options = { url: undefined, token: "", transport: "websocket", events: 1, timeout: 20, read: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) options.url = arg;
    else if (arg === "--token") options.token = argv[++i];
    else if (arg === "--transport") options.transport = argv[++i];
    else if (arg === "--events") options.events = Number(argv[++i]);
    else if (arg === "--timeout") options.timeout = Number(argv[++i]);
    else if (arg === "--read") options.read = argv[++i];
    else throw new Error(`unknown option ${arg}`);
  }
  if (!options.url) throw new Error("usage: node client.mjs <url> --token <jwt> [options]");
  return options;
}

const options = parse(process.argv.slice(2));
const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");

const socket = io(options.url, {
  auth: { token: options.token },
  transports: options.transport === "default" ? undefined : [options.transport],
  reconnection: false,
  forceNew: true,
  timeout: options.timeout * 1000,
});

let received = 0;
let acked = options.read === undefined;
let finished = false;

function finish(code) {
  if (finished) return;
  finished = true;
  clearTimeout(deadline);
  socket.close();
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref(); // should anything linger
}

function maybeDone() {
  if (received >= options.events && acked) finish(0);
}

const deadline = setTimeout(() => {
  print({ event: "timeout" });
  finish(3);
}, options.timeout * 1000);

async function markRead(id) {
  const answer = await socket.timeout(options.timeout * 1000).emitWithAck("notification_read", { notification_id: id });
  print({ event: "ack", data: answer });
  acked = true;
  maybeDone();
}

const failed = (error) => { print({ event: "error", message: String(error) }); finish(4); };

function ready() {
  print({ event: "ready" });
  if (options.read !== undefined && options.read !== "auto") {
    markRead(/^\d+$/.test(options.read) ? Number(options.read) : options.read).catch(failed);
  }
  maybeDone();
}

let isReady = false;

function readyOnceOnWebsocket() {
  if (!isReady && socket.connected && socket.io.engine.transport.name === "websocket") {
    isReady = true;
    ready();
  }
}

socket.io.on("open", () => {
  const engine = socket.io.engine;
  print({ event: "open", transport: engine.transport.name });
  engine.once("upgrade", (transport) => {
    print({ event: "upgrade", transport: transport.name });
    readyOnceOnWebsocket();
  });
});

socket.on("connect", () => {
  print({ event: "connect", transport: socket.io.engine.transport.name });
  readyOnceOnWebsocket();
});

socket.on("connect_error", (error) => {
  print({ event: "connect_error", message: error.message, data: error.data ?? null });
  finish(2);
});

socket.on("disconnect", (reason) => {
  if (!finished) {
    print({ event: "disconnect", reason });
    finish(5);
  }
});

let autoRead = options.read === "auto";

// The greeting says nothing about a change: --events counts the changes heard.
const NOT_COUNTED = new Set(["connected"]);

socket.onAny((event, data) => {
  print({ event, data });
  if (NOT_COUNTED.has(event)) return;
  received += 1;
  if (autoRead && event === "new_notification") {
    autoRead = false;
    markRead(data.id).catch(failed);
  }
  maybeDone();
});
