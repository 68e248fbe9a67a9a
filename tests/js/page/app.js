// What a browser client of SchedulaX does, from another origin: sign in with fetch, read the
// rate-limit, request-id and ETag headers, plan and publish a roster as a manager (a preflighted
// POST and an If-Match PATCH), hear the employee's `new_notification` over socket.io, read the
// roster as the employee, and mark the notification read with `{notificationId}`.
//
// Settings come in the fragment as JSON: {api, employee: {email, password}, manager: {...},
// departmentId}. The verdict is `window.verdict`: {ok: true, steps} or {ok: false, error, steps}.
"use strict";

const settings = JSON.parse(decodeURIComponent(location.hash.slice(1)));
const steps = [];
const step = (name, detail) => {
  steps.push({ name, ...detail });
  document.getElementById("log").textContent += `${name} ${JSON.stringify(detail ?? {})}\n`;
};

function expect(condition, what) {
  if (!condition) throw new Error(`expected ${what}`);
}

async function call(method, path, { token, body, headers } = {}) {
  const response = await fetch(settings.api + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null };
}

async function signIn(who) {
  const answer = await call("POST", "/api/auth/login", { body: who });
  expect(answer.status === 200, `login to answer 200, got ${answer.status}`);
  // Exposed headers: a page's script can read them only if the API lists them.
  const limit = answer.headers.get("X-RateLimit-Limit");
  const remaining = answer.headers.get("X-RateLimit-Remaining");
  const requestId = answer.headers.get("X-Request-ID");
  expect(limit && remaining && requestId, "X-RateLimit-* and X-Request-ID to be readable");
  step("signed in", { email: who.email, limit, requestId });
  return answer.json.token;
}

function connectSocket(token) {
  const socket = io(settings.api, { auth: { token }, reconnection: false });
  const heard = (event) => new Promise((resolve, reject) => {
    socket.once(event, resolve);
    socket.once("connect_error", (error) => reject(new Error(`connect_error: ${error.message}`)));
  });
  return { socket, heard };
}

async function main() {
  const employeeToken = await signIn(settings.employee);
  const { socket, heard } = connectSocket(employeeToken);
  const greeting = await heard("connected");
  expect(typeof greeting.user_id === "number" && greeting.timestamp, "a connected greeting");
  step("connected", { user_id: greeting.user_id, transport: socket.io.engine.transport.name });
  const notified = heard("new_notification");

  const managerToken = await signIn(settings.manager);
  const created = await call("POST", "/api/rosters", {
    token: managerToken,
    headers: { "Idempotency-Key": `browser-${Date.now()}`, "X-Request-ID": "browser-check-1" },
    body: { name: "Browser January", department_id: settings.departmentId,
            start_date: "2026-01-01", end_date: "2026-01-31" },
  });
  expect(created.status === 201, `the roster to be created, got ${created.status}`);
  expect(created.headers.get("X-Request-ID") === "browser-check-1", "our X-Request-ID back");
  const etag = created.headers.get("ETag");
  expect(etag, "an ETag on the created roster");
  const rosterId = created.json.roster.id;
  const published = await call("PATCH", `/api/rosters/${rosterId}/status`, {
    token: managerToken, headers: { "If-Match": etag }, body: { status: "published" },
  });
  expect(published.status === 200, `the roster to be published, got ${published.status}`);
  step("published", { rosterId, etag });

  const payload = await notified;
  // The envelope a browser client reads, and the fields at the top level beside it.
  const notification = payload.notification;
  expect(notification && notification.read_at === null, "notification.read_at to be null");
  expect(notification.id === payload.id && payload.timestamp, "the notification's fields at the top level too");
  expect(notification.data.roster_id === rosterId, "the notification to name the roster");
  step("notified", { id: notification.id, type: notification.type });

  const read = await call("GET", `/api/rosters/${rosterId}`, { token: employeeToken });
  expect(read.status === 200, `the employee to read the roster, got ${read.status}`);
  expect(read.headers.get("ETag"), "an ETag on the roster");
  step("read roster", { roster: read.json.roster?.name ?? read.json.name });

  const ack = await socket.timeout(5000).emitWithAck("notification_read", { notificationId: notification.id });
  expect(ack.success === true && ack.data.read_at, `notification_read to succeed: ${JSON.stringify(ack)}`);
  step("marked read", { read_at: ack.data.read_at });
  socket.close();
}

main().then(
  () => { window.verdict = { ok: true, steps }; },
  (error) => { window.verdict = { ok: false, error: String(error && error.stack || error), steps }; },
);
